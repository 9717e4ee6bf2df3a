import { Catalog } from '../../lib/catalog/catalog';
import type { BaselineConfig } from '../../lib/config/schema';
import { ASSUMED_ORGANISATIONAL_MEASURES, COUNT_FROM_TEXT, recordOfProcessing, renderRecordOfProcessing } from '../../lib/review/record-of-processing';
import { defaultConfig } from '../helpers/reference';

/** The art. 30(1) content of the record, from the configuration alone (the measures read from templates are tested in review-outputs). */
const recordOf = (config: BaselineConfig) => recordOfProcessing(config, Catalog.fromConfig(config), []);
const config = defaultConfig();
const record = recordOf(config);
const text = renderRecordOfProcessing(record);

describe('the record of processing (art. 30(1)(a)-(g))', () => {
  test('(a) the controller with its address and e-mail; no representative or joint controller unless configured', () => {
    expect(text).toContain(`- Controller: ${config.organisation.name} (FR), ${config.organisation.address}, ${config.organisation.email}, ${config.organisation.phone}`);
    expect(text).toContain('- Representative in the Union (art. 27): none');
    expect(text).toContain('- Joint controllers (art. 26): none');
    const other = defaultConfig();
    other.organisation.country = 'CH';
    other.organisation.representative = { name: 'Représentant UE SAS', address: '1 place de la Bourse, 75002 Paris', email: 'rep@example.eu' };
    other.organisation.jointControllers = [{ name: 'Groupe Partenaire SA', arrangement: 'Accord de responsabilité conjointe du 2026-03-01' }];
    const otherText = renderRecordOfProcessing(recordOf(other));
    expect(otherText).toContain('- Representative in the Union (art. 27): Représentant UE SAS, 1 place de la Bourse, 75002 Paris, rep@example.eu');
    expect(otherText).toContain('- Joint controllers (art. 26): Groupe Partenaire SA (arrangement: Accord de responsabilité conjointe du 2026-03-01)');
  });

  test('a missing address or e-mail is said, not left out', () => {
    const other = defaultConfig();
    delete other.organisation.address;
    delete other.organisation.email;
    expect(renderRecordOfProcessing(recordOf(other))).toContain('MISSING: give organisation.address, MISSING: give organisation.email');
  });

  test('(b) one activity per purpose, each with its categories, bases, recipients, transfers and retention', () => {
    const purposes = [...new Set(config.categories.map((c) => c.purpose))];
    expect(record.activities.map((a) => a.purpose)).toEqual(purposes);
    for (const [i, purpose] of purposes.entries()) expect(text).toContain(`### Activity ${i + 1}: ${purpose}`);
    const diet = record.activities.find((a) => a.categoriesOfData.includes('special_diet'));
    expect(diet).toMatchObject({ internalRecipients: ['sales', 'dpo'], processors: ['Amazon Web Services EMEA SARL (AWS)'], transfersOutsideTheEu: [] });
    const contact = record.activities.find((a) => a.categoriesOfData.includes('contact'));
    expect(contact?.processors).toEqual(['Amazon Web Services EMEA SARL (AWS)', ...config.externalProcessors.map((p) => p.name)]);
  });

  test('(d) AWS is a processor (hosting) with its data processing addendum and regions; processors without an AWS account are listed', () => {
    expect(record.recipients.hosting).toMatchObject({ contract: config.record.awsDataProcessingAddendum, location: 'eu-west-3 (Paris)' });
    expect(text).toMatch(/\| Amazon Web Services EMEA SARL \(AWS\) \| hosting: .* \| AWS GDPR Data Processing Addendum, incorporated in the AWS Service Terms .* \| eu-west-3 \(Paris\), eu-west-1/);
    for (const p of config.externalProcessors) expect(text).toContain(`| ${p.name} | ${p.purpose} | ${p.categories.join(', ')} | ${p.contractReference} | ${p.country} |`);
  });

  test('(e) an external processor outside the EU is a transfer with its mechanism', () => {
    const other = defaultConfig();
    Object.assign(other.externalProcessors[0], { country: 'US', transferMechanism: { type: 'standard-contractual-clauses', reference: 'SCC 2021/914, module 2' } });
    const r = recordOf(other);
    expect(r.transfersOutsideTheEu).toEqual([{ to: 'US', recipient: other.externalProcessors[0].name, basis: 'standard-contractual-clauses: SCC 2021/914, module 2' }]);
    expect(r.activities.find((a) => a.categoriesOfData.includes('contact'))?.transfersOutsideTheEu).toEqual([`${other.externalProcessors[0].name}, US: standard-contractual-clauses: SCC 2021/914, module 2`]);
  });

  test('(f) each category counted from its real clock, with its legal reference and legal hold; never last_action_at for all', () => {
    for (const c of Catalog.fromConfig(config).categories) {
      expect(record.retention.find((r) => r.category === c.name)).toMatchObject({ countFrom: c.countFrom, from: COUNT_FROM_TEXT[c.countFrom], legalReference: c.legalReference });
    }
    expect(text).not.toContain('last_action_at');
    expect(text).toContain('| commercial | 10 years | each record\'s own transaction (the booking, the invoice) | Code de commerce, art. L123-22 (accounting records and supporting documents kept 10 years) | kept 10 years: Invoices, bookings and payments as accounting records (Code de commerce, art. L123-22) |');
    expect(text).toContain('| notes | 3 years | the day each record was written |');
  });

  test('(g) organisational measures beside the technical ones: configured, or the assumed ones marked to confirm by the DPO', () => {
    for (const m of ASSUMED_ORGANISATIONAL_MEASURES) expect(text).toContain(`- [to confirm by the DPO] ${m}`);
    const other = defaultConfig();
    other.record.organisationalMeasures = ['Yearly GDPR training of the sales team, attendance kept'];
    const otherText = renderRecordOfProcessing(recordOf(other));
    expect(otherText).toContain('- Yearly GDPR training of the sales team, attendance kept');
    expect(otherText).not.toContain('[to confirm by the DPO]');
  });

  test('a version and a date from the configuration, said missing when not set (never the wall clock)', () => {
    expect(text).toContain('Version 2026.1, 2026-11-30');
    const other = defaultConfig();
    delete other.record.version;
    delete other.record.date;
    expect(renderRecordOfProcessing(recordOf(other))).toContain('Version not set: give record.version, not set: give record.date');
  });

  test('the legitimate-interest assessment of each category on that basis, and MISSING when not given', () => {
    expect(text).toContain('identity: legitimate-interests (legitimate-interest assessment: LIA-2026-01');
    const other = defaultConfig();
    delete other.categories[0].legitimateInterestAssessment;
    expect(renderRecordOfProcessing(recordOf(other))).toContain('identity: legitimate-interests (legitimate-interest assessment: MISSING: give categories[].legitimateInterestAssessment)');
    expect(text).not.toMatch(/contact: consent \(legitimate-interest/);
  });
});
