import { describe, expect, it } from 'vitest';
import {
  alarmTopic, deviceAcl, deviceTopicProblems, filterCovers, isCleared, isValidTopicFilter, isValidTopicName,
  mayPublish, maySubscribe, publishKind, topicMatches, type AclDevice,
} from '../../gateway/mqtt/acl.ts';

const ctx = { siteId: 's1', restrictedZoneIds: ['vault', 'armory'] };
const dev = (id: string, clearances: string[] = [], topics: AclDevice['topics'] = {}): AclDevice => ({ id, clearances, topics });
const uncleared = deviceAcl(dev('r1', ['store']), ctx);
const cleared = deviceAcl(dev('p2', ['store', 'armory']), ctx);

describe('MQTT topic syntax', () => {
  it.each([
    ['sport/tennis/player1', true], ['/', true], ['a//b', true], ['$SYS/x', true], ['中文/主题', true],
    ['', false], ['a/+', false], ['a/#', false], ['a+', false], ['a\u0000b', false],
  ])('topic name %j valid: %s', (t, ok) => expect(isValidTopicName(t)).toBe(ok));

  it.each([
    ['#', true], ['+', true], ['+/+', true], ['/+', true], ['sport/#', true], ['sport/tennis/#', true], ['+/tennis/#', true],
    ['sport/+/player1', true], ['a//b', true],
    ['', false], ['sport/tennis#', false], ['sport/tennis/#/ranking', false], ['sport+', false], ['sport/+x', false],
    ['#/a', false], ['a/#/', false], ['a\u0000', false],
  ])('filter %j valid: %s', (f, ok) => expect(isValidTopicFilter(f)).toBe(ok));

  // The examples of MQTT 3.1.1 §4.7.1 and §4.7.2.
  it.each([
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    ['sport/#', 'sport', true],
    ['#', 'anything/at/all', true],
    ['#', '/', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+', 'finance', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['#', '$SYS/broker/load', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['A/b', 'a/b', false],
  ])('%j matches %j: %s', (f, t, ok) => expect(topicMatches(f, t)).toBe(ok));
});

describe('filterCovers (is every topic of the requested filter allowed?)', () => {
  it.each([
    ['alarms/s1/+', 'alarms/s1/a1', true],
    ['alarms/s1/+', 'alarms/s1/+', true],
    ['alarms/s1/+', 'alarms/s1/', true],
    ['alarms/s1/+', 'alarms/s1/#', false],
    ['alarms/s1/+', 'alarms/#', false],
    ['alarms/s1/+', '#', false],
    ['alarms/s1/+', '+/+/+', false],
    ['alarms/s1/+', '+/s1/a1', false],
    ['alarms/s1/+', 'alarms/+/a1', false],
    ['alarms/s1/+', 'alarms/s1/restricted/+', false],
    ['alarms/s1/+', 'alarms/s1', false],
    ['alarms/s1/restricted/+', 'alarms/s1/restricted/r1', true],
    ['alarms/s1/restricted/+', 'alarms/s1/restricted/+', true],
    ['alarms/s1/restricted/+', 'alarms/s1/restricted/#', false],
    ['alarms/s1/restricted/+', 'alarms/s1/+/+', false],
    ['rfid/r1/mcmds', 'rfid/r1/mcmds', true],
    ['rfid/r1/mcmds', 'rfid/+/mcmds', false],
    ['rfid/r1/mcmds', 'rfid/r1/#', false],
    ['rfid/r1/mcmds', 'rfid/r1/mcmds/#', false],
    ['rfid/r1/mcmds', 'rfid/r1/mcmds/x', false],
    ['a/#', 'a', true],
    ['a/#', 'a/#', true],
    ['a/#', 'a/+/b/#', true],
    ['a/#', '+/b', false],
    ['#', '#', true],
    ['#', '+/+', true],
    ['#', '$SYS/#', false],
    ['+/#', '$SYS/x', false],
    ['+', '+', true],
    ['+', '#', false],
    ['+/+', '+/#', false],
  ])('%j covers %j: %s', (a, r, ok) => expect(filterCovers(a, r)).toBe(ok));

  it('agrees with topicMatches on random filters and topics (covers ⇒ every match is allowed)', () => {
    const words = ['a', 'b', ''];
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const level = (wild: boolean) => (wild && rnd(3) === 0 ? '+' : words[rnd(words.length)]);
    const filter = () => {
      const n = 1 + rnd(4);
      const parts = Array.from({ length: n }, () => level(true));
      if (rnd(3) === 0) parts.push('#');
      return parts.join('/');
    };
    const topic = () => Array.from({ length: 1 + rnd(5) }, () => level(false)).join('/');
    const topics = Array.from({ length: 400 }, topic);
    let covered = 0;
    for (let i = 0; i < 3000; i++) {
      const a = filter();
      const f = filter();
      const cov = filterCovers(a, f);
      const counterexample = topics.find((t) => topicMatches(f, t) && !topicMatches(a, t));
      if (cov) {
        covered++;
        expect(counterexample, `${a} covers ${f} but not ${counterexample}`).toBeUndefined();
      }
    }
    expect(covered).toBeGreaterThan(50);
  });
});

describe('device ACL', () => {
  it('knows who is cleared: a clearance for a restricted zone, not just any zone', () => {
    expect(isCleared({ clearances: ['store'] }, ctx.restrictedZoneIds)).toBe(false);
    expect(isCleared({ clearances: [] }, ctx.restrictedZoneIds)).toBe(false);
    expect(isCleared({ clearances: ['armory'] }, ctx.restrictedZoneIds)).toBe(true);
    expect(uncleared.cleared).toBe(false);
    expect(cleared.cleared).toBe(true);
  });

  it('lets a device publish only on its own tag, management and response topics', () => {
    expect(mayPublish(uncleared, 'rfid/r1/tevents')).toBe(true);
    expect(mayPublish(uncleared, 'rfid/r1/mevents')).toBe(true);
    expect(mayPublish(uncleared, 'rfid/r1/mrsp')).toBe(true);
    expect(publishKind(uncleared, 'rfid/r1/tevents')).toBe('tagEvents');
    expect(publishKind(uncleared, 'rfid/r1/mevents')).toBe('managementEvents');
    expect(publishKind(uncleared, 'rfid/r1/mrsp')).toBe('responses');
    for (const t of ['rfid/r1/mcmds', 'rfid/p2/tevents', 'rfid/r1/tevents/x', 'rfid/r1', 'alarms/s1/a1',
      'alarms/s1/restricted/r1', '$SYS/x', 'rfid/+/tevents', 'rfid/r1/#', '#', 'RFID/r1/tevents', '']) {
      expect(mayPublish(uncleared, t), t).toBe(false);
    }
  });

  it('lets an uncleared device subscribe to its commands and the site\'s alarms only', () => {
    for (const f of ['rfid/r1/mcmds', 'alarms/s1/+', 'alarms/s1/a1', 'alarms/s1/fire-7']) {
      expect(maySubscribe(uncleared, f), f).toBe(true);
    }
    for (const f of [
      'alarms/s1/restricted/+', 'alarms/s1/restricted/r1', 'alarms/s1/restricted/#',
      'alarms/#', 'alarms/s1/#', '#', '+/+/+/+', '+/+/+', '+/s1/+', 'alarms/+/+', 'alarms/+/restricted/+', 'alarms/s1/+/+',
      'alarms/s2/+', 'alarms/s1', 'rfid/r1/#', 'rfid/+/mcmds', 'rfid/p2/mcmds', 'rfid/r1/tevents', '$SYS/#', 'rfid/r1/mcmds/#',
      'alarms/s1/+/#', 'alarms/s1/a1/#', '', 'alarms/s1/a+', 'alarms/#/x',
    ]) {
      expect(maySubscribe(uncleared, f), f).toBe(false);
    }
  });

  it('adds the restricted alarms, and only those, for a cleared device', () => {
    for (const f of ['rfid/p2/mcmds', 'alarms/s1/+', 'alarms/s1/restricted/+', 'alarms/s1/restricted/r9']) {
      expect(maySubscribe(cleared, f), f).toBe(true);
    }
    for (const f of ['alarms/s1/#', 'alarms/#', '#', '+/+/+/+', 'alarms/s1/restricted/#', 'alarms/s1/+/+', 'rfid/r1/mcmds']) {
      expect(maySubscribe(cleared, f), f).toBe(false);
    }
  });

  it('follows topics overridden in the site file', () => {
    const acl = deviceAcl(dev('z1', [], { tagEvents: 'zebra/fx9600/data', commands: 'zebra/fx9600/ctrl/cmd' }), ctx);
    expect(mayPublish(acl, 'zebra/fx9600/data')).toBe(true);
    expect(mayPublish(acl, 'rfid/z1/tevents')).toBe(false);
    expect(mayPublish(acl, 'rfid/z1/mevents')).toBe(true);
    expect(maySubscribe(acl, 'zebra/fx9600/ctrl/cmd')).toBe(true);
    expect(maySubscribe(acl, 'zebra/fx9600/#')).toBe(false);
  });

  it('gives a device with unsafe topic overrides nothing of its own, and says why', () => {
    const d = dev('w1', [], { commands: 'rfid/+/mcmds' });
    expect(deviceTopicProblems(d, 's1')).toEqual([expect.stringContaining('topics.commands')]);
    const acl = deviceAcl(d, ctx);
    expect(acl.publish.size).toBe(0);
    expect(maySubscribe(acl, 'rfid/+/mcmds')).toBe(false);
    expect(maySubscribe(acl, 'rfid/other/mcmds')).toBe(false);
    expect(maySubscribe(acl, 'alarms/s1/a1')).toBe(true);
    expect(deviceTopicProblems(dev('w2', [], { tagEvents: 'alarms/s1/fake' }), 's1')).toHaveLength(1);
    expect(deviceTopicProblems(dev('w3', [], { tagEvents: '$SYS/x' }), 's1')).toHaveLength(1);
    expect(deviceTopicProblems(dev('w4', [], { tagEvents: 'a b' }), 's1')).toHaveLength(1);
    expect(deviceTopicProblems(dev('w5', [], { tagEvents: 'x', managementEvents: 'x' }), 's1')).toHaveLength(1);
    expect(deviceTopicProblems(dev('ok'), 's1')).toEqual([]);
  });

  it('builds alarm topics and refuses ids that would escape their level', () => {
    expect(alarmTopic('s1', 'a1')).toBe('alarms/s1/a1');
    expect(alarmTopic('s1', 'r1', true)).toBe('alarms/s1/restricted/r1');
    for (const bad of ['restricted', 'a/b', '+', '#', '']) expect(() => alarmTopic('s1', bad), bad).toThrow(RangeError);
  });
});
