import { describe, expect, it } from 'vitest';
import { iso6346CheckDigit, type GateSettings, type RuleOutcome, type NoteVehicle, type PassageReadings } from '@cjp/contracts';
import { decide as decideRules, REASONS, type DecideInput, type NoteCandidate } from '../src/modules/gate/rules.js';
import en from '../../wms-ui/src/i18n/en.js';
import zhCN from '../../wms-ui/src/i18n/zh-CN.js';

// The gate's decision as a pure function: each rule alone, then together, with what it recorded.

/** every rule outcome the tests below produced, for the check that the gate monitor can explain each */
const seen: RuleOutcome[] = [];
function decideSeen(i: DecideInput): ReturnType<typeof decideRules> {
  const d = decideRules(i);
  seen.push(...d.rules);
  return d;
}

const SETTINGS: GateSettings = {
  tolerance: { loaded: { absKg: 500, pct: 3 }, empty: { absKg: 300, pct: 2 } },
  containerWaitMs: 3000,
  collectTimeoutMs: 60_000,
  leaveTimeoutMs: 180_000,
  staleAfterMs: 120_000,
  requirePlate: false,
  passText: '放行 {plate}',
};
const PLATE = '青B12345';
const EPC = 'E28011606000020800000001';
const withDigit = (ten: string) => `${ten}${iso6346CheckDigit(ten)}`;
const BOX = withDigit('CSQU305438'); // CSQU3054383
const BOX2 = withDigit('TGHU123456');
/** the same number with a wrong check digit */
const badDigit = (n: string) => `${n.slice(0, 10)}${(Number(n[10]) + 1) % 10}`;

let n = 0;
const base = () => ({ deviceId: 'dev', eventId: `gate-1:${++n}`, ts: '2026-11-28T08:00:00.000Z', late: false });
const plate = (p = PLATE) => ({ ...base(), plate: p, confidence: 0.97 });
const etag = (epc = EPC) => ({ ...base(), epc });
const box = (number = BOX, position: string | null = 'rear') => ({ ...base(), number, checkDigitValid: number.length === 11 && Number(number[10]) === iso6346CheckDigit(number.slice(0, 10)), position });
const stable = (grossKg: string, overload = false) => ({ ...base(), grossKg, stable: true, overload, trigger: 'stable' as const });

function vehicle(over: Partial<NoteVehicle> = {}): NoteVehicle {
  return {
    vehicleNo: PLATE,
    vehicleIcNo: EPC,
    vehicleWt: '15000',
    vehicleFrameWt: '5000',
    vehicleFrameNo: null,
    containers: [{ containerNo: BOX, containerType: '22G1', containerWt: '2200' }],
    totalGrossWt: '18000',
    // 15000 + 5000 + 2200 + 18000
    totalWt: '40200',
    logisticsStucd: '0',
    passTime: null,
    passCollectWt: null,
    wtError: null,
    passageId: null,
    ...over,
  };
}
function note(over: Partial<NoteCandidate> = {}, v: Partial<NoteVehicle> = {}): NoteCandidate {
  return { passportNo: 'Z8601I261128000000000001', ioTypecd: 'I', passportTypecd: '2', status: 'approved', createdAt: '2026-11-28T07:00:00.000Z', vehicleIdx: 0, vehicle: vehicle(v), ...over };
}
function input(readings: Partial<PassageReadings>, over: Partial<DecideInput> = {}): DecideInput {
  return {
    lane: { id: 'gate-in-1', direction: 'in', gateNo: 1 },
    readings: { plates: [plate()], etags: [etag()], containers: [box()], weights: [stable('40200')], ...readings },
    registry: [{ vehicleNo: PLATE, vehicleIcNo: EPC }],
    candidates: [note()],
    settings: SETTINGS,
    ...over,
  };
}
const outcomes = (d: ReturnType<typeof decideRules>) => Object.fromEntries(d.rules.map((r) => [r.rule, r.result]));
const rule = (d: ReturnType<typeof decideRules>, name: string) => d.rules.find((r) => r.rule === name)!;

describe('gate rules', () => {
  it('releases a truck whose readings agree with its approved note, and says why for every rule', () => {
    const d = decideSeen(input({}));
    expect(d.outcome).toBe('release');
    expect(d.holdReasons).toEqual([]);
    expect(outcomes(d)).toEqual({
      vehicle: 'pass',
      etag_plate: 'pass',
      note: 'pass',
      direction: 'pass',
      note_status: 'pass',
      container_check_digit: 'pass',
      containers: 'pass',
      weight_stable: 'pass',
      weight: 'pass',
    });
    expect(d.ledText).toBe(`放行 ${PLATE}`);
    expect(d.matched?.passportNo).toBe('Z8601I261128000000000001');
    // what it used, and the thresholds in force, for explaining it later
    expect(d.inputs).toMatchObject({ plates: [PLATE], epcs: [EPC], weight: { grossKg: '40200' }, note: { passportNo: 'Z8601I261128000000000001' }, lane: 'gate-in-1' });
    expect(d.thresholds).toMatchObject({ tolerance: SETTINGS.tolerance, requirePlate: false });
    expect(rule(d, 'weight').detail).toContain('totalWt 40200 = vehicleWt 15000 + vehicleFrameWt 5000 + containers 2200 + totalGrossWt 18000');
  });

  describe('vehicle and e-tag', () => {
    it('holds when neither a plate nor an e-tag was read', () => {
      const d = decideSeen(input({ plates: [], etags: [] }));
      expect(d.outcome).toBe('hold');
      expect(rule(d, 'vehicle')).toMatchObject({ result: 'fail', reasonZh: REASONS.noVehicle });
      expect(rule(d, 'note')).toMatchObject({ result: 'fail', reasonZh: REASONS.noNote });
    });

    it('identifies a registered vehicle by its e-tag when the camera missed the plate, unless the center requires a plate', () => {
      const missed = decideSeen(input({ plates: [] }));
      expect(missed.outcome).toBe('release');
      expect(rule(missed, 'vehicle').detail).toContain(`identified by e-tag ${EPC} as ${PLATE}`);
      expect(missed.vehicleNo).toBe(PLATE);

      const strict = decideSeen(input({ plates: [] }, { settings: { ...SETTINGS, requirePlate: true } }));
      expect(strict.outcome).toBe('hold');
      expect(rule(strict, 'vehicle')).toMatchObject({ result: 'fail', reasonZh: REASONS.noPlate });
    });

    it('holds an unknown e-tag with no plate read', () => {
      const d = decideSeen(input({ plates: [], etags: [etag('E2000000000000000000BEEF')] }, { registry: [], candidates: [note()] }));
      expect(d.outcome).toBe('hold');
      expect(rule(d, 'vehicle')).toMatchObject({ result: 'fail', reasonZh: REASONS.noVehicle });
    });

    it('holds a plate that does not match the e-tag, naming both', () => {
      const other = 'E28011606000020800000002';
      const d = decideSeen(input({ etags: [etag(other)] }, { registry: [{ vehicleNo: PLATE, vehicleIcNo: EPC }, { vehicleNo: '青A00001', vehicleIcNo: other }] }));
      expect(d.outcome).toBe('hold');
      expect(rule(d, 'etag_plate')).toMatchObject({ result: 'fail', reasonZh: REASONS.plateMismatch, data: { plate: PLATE, epc: other, etagPlate: '青A00001' } });
      expect(d.ledText).toContain('车号不一致');
    });

    it("does not hold for a nearby truck's e-tag when the plate's own tag was read too, and names the neighbour", () => {
      const neighbour = 'E28011606000020800000002';
      const registry = [
        { vehicleNo: PLATE, vehicleIcNo: EPC },
        { vehicleNo: '青A00001', vehicleIcNo: neighbour },
      ];
      // the neighbour's tag even came first, and the neighbour has a newer note of its own
      const theirs = note({ passportNo: 'Z8601I261128000000000009', createdAt: '2026-11-28T07:30:00.000Z' }, { vehicleNo: '青A00001', vehicleIcNo: neighbour });
      const d = decideSeen(input({ etags: [etag(neighbour), etag()] }, { registry, candidates: [theirs, note()] }));
      expect(d.outcome).toBe('release');
      expect(d.matched?.passportNo).toBe(note().passportNo);
      expect(d.vehicleIcNo).toBe(EPC);
      expect(rule(d, 'etag_plate')).toMatchObject({ result: 'pass', code: 'agreeNearby', data: { plate: PLATE, nearby: ['青A00001'] } });
      // without the plate's own tag, the other tag is a mismatch
      expect(rule(decideSeen(input({ etags: [etag(neighbour)] }, { registry })), 'etag_plate')).toMatchObject({ result: 'fail', code: 'otherVehicle' });
    });

    it('holds a plate registered with another e-tag than the unregistered one read', () => {
      const stray = 'E2000000000000000000CAFE';
      const d = decideSeen(input({ etags: [etag(stray)] }));
      expect(rule(d, 'etag_plate')).toMatchObject({ result: 'fail', data: { expectedEpc: EPC } });
    });

    it('holds when two different plates were read on one passage', () => {
      const d = decideSeen(input({ plates: [plate(), plate('青A99999')] }));
      expect(rule(d, 'etag_plate')).toMatchObject({ result: 'fail', reasonZh: REASONS.plateMismatch });
    });

    it('cannot compare an unregistered e-tag or a missing one, and does not hold for it', () => {
      const unregistered = decideSeen(input({ etags: [etag('E2000000000000000000F00D')] }, { registry: [] }));
      expect(rule(unregistered, 'etag_plate')).toMatchObject({ result: 'skip', code: 'unregistered', data: { epcs: ['E2000000000000000000F00D'], plate: PLATE } });
      const noTag = decideSeen(input({ etags: [] }));
      expect(rule(noTag, 'etag_plate')).toMatchObject({ result: 'skip', code: 'noEtag' });
      expect(noTag.outcome).toBe('release');
    });

    it('ignores late reads (they belong to the passage but did not decide it)', () => {
      const d = decideSeen(input({ plates: [plate(), { ...plate('青A99999'), late: true }] }));
      expect(d.outcome).toBe('release');
    });
  });

  describe('release note', () => {
    it('holds a vehicle no note names', () => {
      const d = decideSeen(input({}, { candidates: [] }));
      expect(d.outcome).toBe('hold');
      expect(rule(d, 'note')).toMatchObject({ result: 'fail', reasonZh: REASONS.noNote });
      expect(rule(d, 'note').detail).toContain(PLATE);
      expect(rule(d, 'weight').result).toBe('skip');
    });

    it('holds a note for the other direction', () => {
      const d = decideSeen(input({}, { candidates: [note({ ioTypecd: 'E' })] }));
      expect(d.outcome).toBe('hold');
      expect(rule(d, 'direction')).toMatchObject({ result: 'fail', reasonZh: REASONS.direction, data: { ioTypecd: 'E', lane: 'in' } });
      expect(d.holdReasons).toEqual([REASONS.direction]);
    });

    it.each([
      ['applied', REASONS.notApproved],
      ['cancelled', REASONS.noteCancelled],
      ['held', REASONS.noteHeld],
      ['passed', REASONS.notePassed],
    ] as const)('holds a note that is %s', (status, reason) => {
      const d = decideSeen(input({}, { candidates: [note({ status })] }));
      expect(d.outcome).toBe('hold');
      expect(rule(d, 'note_status')).toMatchObject({ result: 'fail', reasonZh: reason, data: { status } });
    });

    it('holds a vehicle that already passed on this note', () => {
      const d = decideSeen(input({}, { candidates: [note({}, { passTime: '2026-11-28T07:30:00.000Z' })] }));
      expect(rule(d, 'note_status')).toMatchObject({ result: 'fail', reasonZh: REASONS.notePassed });
    });

    it('picks the usable note when the vehicle has an old cancelled one and a new approved one', () => {
      const d = decideSeen(input({}, { candidates: [note({ passportNo: 'OLD0000001', status: 'cancelled', createdAt: '2026-11-28T07:30:00.000Z' }), note({ passportNo: 'NEW0000001' })] }));
      expect(d.outcome).toBe('release');
      expect(d.matched?.passportNo).toBe('NEW0000001');
    });
  });

  describe('containers', () => {
    it('holds a container number that fails its ISO 6346 check digit, and says which', () => {
      const wrong = badDigit(BOX);
      const d = decideSeen(input({ containers: [box(wrong)] }));
      expect(d.outcome).toBe('hold');
      expect(rule(d, 'container_check_digit')).toMatchObject({ result: 'fail', reasonZh: REASONS.checkDigit, data: { numbers: [wrong] } });
      expect(rule(d, 'containers')).toMatchObject({ result: 'fail', reasonZh: REASONS.containerMissing });
    });

    it('holds a container that is not on the note', () => {
      const d = decideSeen(input({ containers: [box(BOX2)] }));
      expect(rule(d, 'containers')).toMatchObject({ result: 'fail', reasonZh: REASONS.containerMismatch, data: { extra: [BOX2], declared: [BOX] } });
      expect(d.containersMissing).toEqual([]);
    });

    it('reports declared containers not read yet (the gate may wait for them)', () => {
      const d = decideSeen(input({ containers: [] }));
      expect(rule(d, 'containers')).toMatchObject({ result: 'fail', reasonZh: REASONS.containerMissing, data: { missing: [BOX] } });
      expect(d.containersMissing).toEqual([BOX]);
    });

    it('accepts the same container read front and back, and two declared containers read once each', () => {
      expect(decideSeen(input({ containers: [box(BOX, 'front'), box(BOX, 'rear')] })).outcome).toBe('release');
      const two = note({}, { containers: [{ containerNo: BOX, containerType: '22G1', containerWt: '2200' }, { containerNo: BOX2, containerType: '22G1', containerWt: '2200' }], totalWt: '42400' });
      expect(decideSeen(input({ containers: [box(BOX, 'front'), box(BOX2, 'rear')], weights: [stable('42400')] }, { candidates: [two] })).outcome).toBe('release');
    });
  });

  describe('weight', () => {
    it('holds when the scale never settled, or reported overload', () => {
      const none = decideSeen(input({ weights: [] }));
      expect(rule(none, 'weight_stable')).toMatchObject({ result: 'fail', reasonZh: REASONS.notStable });
      expect(rule(none, 'weight').result).toBe('skip');
      const over = decideSeen(input({ weights: [stable('80000', true)] }));
      expect(rule(over, 'weight_stable')).toMatchObject({ result: 'fail', reasonZh: REASONS.overload });
      const noGross = decideSeen(input({ weights: [{ ...stable('0'), grossKg: null }] }));
      expect(rule(noGross, 'weight_stable')).toMatchObject({ result: 'fail', code: 'noGross', reasonZh: REASONS.notStable });
    });

    it('loaded: the tolerance is max(500 kg, 3 %) of the declared total, at the boundary exactly', () => {
      // 3 % of 40200 = 1206 kg > 500 kg
      expect(decideSeen(input({ weights: [stable('41406')] })).outcome).toBe('release');
      const d = decideSeen(input({ weights: [stable('41406.001')] }));
      expect(d.outcome).toBe('hold');
      expect(rule(d, 'weight')).toMatchObject({
        result: 'fail',
        reasonZh: REASONS.weight,
        data: { declaredKg: '40200', weighedKg: '41406.001', diffKg: '1206.001', toleranceKg: '1206', vehicle: 'loaded' },
      });
      expect(decideSeen(input({ weights: [stable('38994')] })).outcome).toBe('release');
      expect(decideSeen(input({ weights: [stable('38993.5')] })).outcome).toBe('hold');
    });

    it('empty vehicle (passportTypecd 6): its own, tighter tolerance, max(300 kg, 2 %)', () => {
      const empty = note({ passportTypecd: '6' }, { containers: [], totalGrossWt: '0', totalWt: '20000' });
      const at = (kg: string) => decideSeen(input({ containers: [], weights: [stable(kg)] }, { candidates: [empty] }));
      // 2 % of 20000 = 400 kg
      expect(at('20400').outcome).toBe('release');
      const d = at('20401');
      expect(d.outcome).toBe('hold');
      expect(rule(d, 'weight').data).toMatchObject({ vehicle: 'empty', toleranceKg: '400', absKg: 300, pct: 2 });
      // a loaded vehicle of the same declared weight would pass (3 % = 600 kg)
      const loaded = note({}, { containers: [], totalGrossWt: '1', totalWt: '20000' });
      expect(decideSeen(input({ containers: [], weights: [stable('20401')] }, { candidates: [loaded] })).outcome).toBe('release');
    });

    it('uses the absolute floor for a light vehicle', () => {
      const light = note({ passportTypecd: '6' }, { containers: [], totalGrossWt: '0', totalWt: '3000' });
      // 2 % of 3000 = 60 kg < 300 kg
      expect(decideSeen(input({ containers: [], weights: [stable('3300')] }, { candidates: [light] })).outcome).toBe('release');
      expect(decideSeen(input({ containers: [], weights: [stable('3301')] }, { candidates: [light] })).outcome).toBe('hold');
    });

    it('uses the last stable weight, not a zero or a late one', () => {
      const d = decideSeen(input({ weights: [stable('10000'), stable('40200'), { ...stable('99999'), late: true }] }));
      expect(d.weighedKg).toBe('40200');
      expect(d.outcome).toBe('release');
    });
  });

  it('combines failures: every reason once, the LED lists them in rule order', () => {
    const d = decideSeen(input({ etags: [etag('E28011606000020800000002')], containers: [box(badDigit(BOX))], weights: [stable('50000')] }, {
      registry: [{ vehicleNo: PLATE, vehicleIcNo: EPC }, { vehicleNo: '青A00001', vehicleIcNo: 'E28011606000020800000002' }],
    }));
    expect(d.outcome).toBe('hold');
    expect(d.holdReasons).toEqual([REASONS.plateMismatch, REASONS.checkDigit, REASONS.containerMissing, REASONS.weight]);
    expect(d.ledText).toBe(`请停车 ${d.holdReasons.join(' ')}`);
    expect(d.rules.filter((r) => r.result === 'fail').map((r) => r.rule)).toEqual(['etag_plate', 'container_check_digit', 'containers', 'weight']);
    // passing rules carry no reason
    expect(d.rules.filter((r) => r.result !== 'fail').every((r) => r.reasonZh === null)).toBe(true);
  });

  it('gate 2 of a two-gate center takes the vehicles that passed gate 1', () => {
    const lane = { id: 'gate-in-2', direction: 'in' as const, gateNo: 2 as const };
    const passed1 = note({ status: 'passed_gate1' }, { passTime: '2026-11-28T07:50:00.000Z' });
    expect(decideSeen(input({}, { lane, candidates: [passed1] })).outcome).toBe('release');
    // not through gate 1 yet
    expect(decideSeen(input({}, { lane, candidates: [note()] })).outcome).toBe('hold');
    // through gate 2 already
    expect(decideSeen(input({}, { lane, candidates: [{ ...passed1, secdPassTime: '2026-11-28T07:55:00.000Z' }] })).outcome).toBe('hold');
  });

  it('is deterministic: the same input gives the same decision', () => {
    const i = input({ weights: [stable('45000')] });
    expect(decideSeen(i)).toEqual(decideSeen(i));
  });

  // Last, over everything above: the screens explain a rule from its code and data, not its English.
  it('every outcome has a code the gate monitor explains in zh-CN and English, with the data its text names', () => {
    expect(seen.length).toBeGreaterThan(100);
    const explain = { 'zh-CN': zhCN.gate.explain as unknown as Record<string, Record<string, string>>, en: en.gate.explain as unknown as Record<string, Record<string, string>> };
    const problems: string[] = [];
    const codes = new Set<string>();
    for (const r of seen) {
      if (!r.code) {
        problems.push(`${r.rule}: no code (${r.detail})`);
        continue;
      }
      codes.add(`${r.rule}.${r.code}`);
      for (const [locale, messages] of Object.entries(explain)) {
        const text = messages[r.rule]?.[r.code];
        if (typeof text !== 'string') {
          problems.push(`${locale}: no text for ${r.rule}.${r.code}`);
          continue;
        }
        for (const [, name] of text.matchAll(/\{(\w+)\}/g))
          if (!(name! in (r.data ?? {}))) problems.push(`${locale}: ${r.rule}.${r.code} names {${name}}, the outcome has ${JSON.stringify(r.data)}`);
      }
    }
    expect(problems).toEqual([]);
    // and the tests above reach every case the screens have a text for (a new case needs both)
    const texts = Object.entries(explain['zh-CN']).flatMap(([rule, byCode]) => (typeof byCode === 'object' && ['io', 'vehicleKind'].indexOf(rule) < 0 ? Object.keys(byCode).map((c) => `${rule}.${c}`) : []));
    expect([...codes].sort()).toEqual(texts.sort());
  });
});

