import { parseConfig } from '../../lib/config/load';
import { withChange } from '../helpers/config';
import { defaultConfigInput } from '../helpers/reference';

describe('automatedDecisions (art. 22, told to the person by the access report, art. 15(1)(h))', () => {
  test('none by default: a configuration that leaves it out declares no automated decision', () => {
    const cfg = defaultConfigInput();
    delete cfg.automatedDecisions;
    expect(parseConfig(cfg).automatedDecisions).toEqual([]);
  });

  test('a declared decision names its logic and its consequences', () => {
    const cfg = defaultConfigInput();
    cfg.automatedDecisions = [{ name: 'prospect scoring', logic: 'points for each stay and each seminar attended', consequences: 'a high score brings an invitation to the yearly seminar' }];
    expect(parseConfig(cfg).automatedDecisions).toHaveLength(1);
  });

  test('a decision without its logic or consequences is refused, one line per field', () => {
    const lines = withChange((c) => (c.automatedDecisions = [{ name: 'scoring', logic: 'points', consequences: '' }]));
    expect(lines).toContainEqual(expect.stringMatching(/^automatedDecisions\[0\]\.logic: describe the logic involved \(art\. 15\(1\)\(h\)\), in at least 20 characters; got "points"$/));
    expect(lines).toContainEqual(expect.stringMatching(/^automatedDecisions\[0\]\.consequences: describe the significance and envisaged consequences .*; got ""$/));
  });
});
