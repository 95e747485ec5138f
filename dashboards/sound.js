// A short two-tone beep through WebAudio for new critical alarms. Browsers only allow sound after
// the user has interacted with the page, so unlock() is called on the first click.
let ctx = null;
let muted = localStorage.getItem('custody.mute') === '1';
export const isMuted = () => muted;
export function setMuted(m) { muted = m; localStorage.setItem('custody.mute', m ? '1' : '0'); }
export let beeps = 0;

export function unlock() {
  try {
    ctx ??= new (window.AudioContext || window.webkitAudioContext)();
    if (ctx.state === 'suspended') ctx.resume();
  } catch { /* no audio on this device */ }
}

export function beep() {
  beeps++;
  window.__custodyBeeps = beeps; // lets the browser tests see that the alarm sounded
  if (muted) return;
  try {
    unlock();
    if (!ctx) return;
    const start = ctx.currentTime;
    for (const [i, freq] of [880, 660, 880].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + i * 0.22);
      gain.gain.exponentialRampToValueAtTime(0.25, start + i * 0.22 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.22 + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + i * 0.22);
      osc.stop(start + i * 0.22 + 0.21);
    }
  } catch { /* ignore */ }
}
