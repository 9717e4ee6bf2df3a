import { readFileSync } from 'node:fs';
import { renderConfigJsonSchema } from '../../lib/config/json-schema';
import { loadConfigFile, parseConfig } from '../../lib/config/load';
import { withChange } from '../helpers/config';
import { DEFAULT_CONFIG_PATH, REPO_ROOT, defaultConfigInput } from '../helpers/reference';

/** Parses and returns the problem lines (empty when the config is valid). */
describe('the default configuration', () => {
  test('is valid and gets the documented defaults', () => {
    const cfg = loadConfigFile(DEFAULT_CONFIG_PATH);
    expect(cfg.environment.region).toBe('eu-west-3');
    expect(cfg.vpn.sessionTimeoutHours).toBe(8);
    expect(cfg.categories.find((c) => c.name === 'special_diet')?.sensitivity).toBe('special');
    expect(cfg.categories.find((c) => c.name === 'identity')?.sensitivity).toBe('standard');
    expect(cfg.roles.map((r) => r.name)).toEqual(['marketing', 'sales', 'accounting', 'dpo']);
  });

  test('defaults allowed regions to the EU member-state regions when residency is omitted', () => {
    const cfg = defaultConfigInput();
    delete cfg.residency;
    expect(parseConfig(cfg).residency.allowedRegions).toEqual(['eu-west-1', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2']);
  });
});

describe('a bad configuration is refused with one line per problem naming field, value and fix', () => {
  test('a region outside the EU', () => {
    expect(withChange((c) => (c.environment.region = 'us-east-1'))).toContainEqual(
      expect.stringMatching(/^environment\.region: the stack region must be an allowed region: eu-west-3, eu-west-1, eu-central-1.*; got "us-east-1"$/),
    );
  });

  test('a non-EU region in the allowed list', () => {
    expect(withChange((c) => c.residency.allowedRegions.push('us-east-1'))).toContainEqual(
      expect.stringMatching(/^residency\.allowedRegions\[3\]: not an EU member-state region; allowed: eu-west-1, .*; got "us-east-1"$/),
    );
  });

  test('London listed as an EU region instead of with a transfer basis', () => {
    expect(withChange((c) => c.residency.allowedRegions.push('eu-west-2'))).toContainEqual(
      expect.stringMatching(/^residency\.allowedRegions\[3\]: eu-west-2 is London \(United Kingdom\), outside the EU; list it under residency\.adequacyRegions with its transferBasis instead; got "eu-west-2"$/),
    );
  });

  test('London is accepted as the stack region once listed with a transfer basis', () => {
    const lines = withChange((c) => {
      c.environment.region = 'eu-west-2';
      c.residency.adequacyRegions = [{ region: 'eu-west-2', transferBasis: 'Commission adequacy decision for the UK of 28 June 2021' }];
      c.network.availabilityZones = ['eu-west-2a', 'eu-west-2b'];
      c.vpn.serverCertificateArn = c.vpn.serverCertificateArn.replace('eu-west-3', 'eu-west-2');
    });
    expect(lines).toEqual([]);
  });

  test('an adequacy entry for a region without an adequacy decision', () => {
    expect(withChange((c) => (c.residency.adequacyRegions = [{ region: 'us-east-1', transferBasis: 'standard contractual clauses 2021' }]))).toContainEqual(
      expect.stringMatching(/^residency\.adequacyRegions\[0\]\.region: only regions with an adequacy decision may be listed here: eu-west-2, eu-central-2; got "us-east-1"$/),
    );
  });

  test('a malformed account id', () => {
    expect(withChange((c) => (c.environment.account = '1234-5678'))).toContainEqual(
      'environment.account: an AWS account id is exactly 12 digits; got "1234-5678"',
    );
  });

  test('overlapping CIDRs', () => {
    expect(withChange((c) => (c.network.vpnClientCidr = '10.40.8.0/22'))).toContainEqual(
      'network.vpnClientCidr: overlaps network.vpcCidr 10.40.0.0/16; choose a client range outside the VPC; got "10.40.8.0/22"',
    );
  });

  test('a public or malformed CIDR', () => {
    expect(withChange((c) => (c.network.vpcCidr = '52.0.0.0/16'))).toContainEqual(expect.stringMatching(/^network\.vpcCidr: must be inside a private range .*; got "52\.0\.0\.0\/16"$/));
    expect(withChange((c) => (c.network.vpcCidr = '10.40.0.1/16'))).toContainEqual(expect.stringMatching(/^network\.vpcCidr: must be an IPv4 CIDR block .*; got "10\.40\.0\.1\/16"$/));
  });

  test('a role naming an unknown category', () => {
    expect(withChange((c) => c.roles[2].reads.push('halal_menu'))).toContainEqual(
      expect.stringMatching(/^roles\[2\]\.reads\[2\]: unknown category; declared categories: identity, contact, .*; got "halal_menu"$/),
    );
  });

  test('a legal hold keeping an unknown category', () => {
    const commercial = (c: any) => c.categories.findIndex((x: { name: string }) => x.name === 'commercial');
    let at = -1;
    expect(
      withChange((c) => {
        at = commercial(c);
        c.categories[at].legalHold.keeps = ['identity', 'invoice_name'];
      }),
    ).toContainEqual(expect.stringMatching(new RegExp(`^categories\\[${at}\\]\\.legalHold\\.keeps\\[1\\]: unknown category; a legal hold keeps categories of the contact record, declared categories: identity, .*; got "invoice_name"$`)));
  });

  test('a duplicate role', () => {
    expect(withChange((c) => c.roles.push({ ...c.roles[0] }))).toContainEqual('roles[4].name: duplicate role; each role is declared once; got "marketing"');
  });

  test('a retention of 0 days', () => {
    expect(withChange((c) => (c.categories[0].retentionDays = 0))).toContainEqual(
      'categories[0].retentionDays: retention must be at least 1 day; data kept 0 days should not be collected; got 0',
    );
  });

  test('missing VPN authentication', () => {
    expect(withChange((c) => (c.vpn.authentication = {}))).toContainEqual(
      expect.stringMatching(/^vpn\.authentication: set mutualTls \(client root certificate\) and\/or saml \(identity provider\); a VPN without authentication is refused; got \{\}$/),
    );
  });

  test('a special category without its art. 9(2) condition', () => {
    expect(withChange((c) => delete c.categories[6].specialCategoryCondition)).toContainEqual(
      expect.stringMatching(/^categories\[6\]\.specialCategoryCondition: a special category \(art\. 9\) needs the art\. 9\(2\) condition/),
    );
  });

  describe('a special category on explicit consent names the explicit purpose it rests on (art. 9(2)(a))', () => {
    test('the reference configuration binds special_diet and accessibility to explicit purposes of their own', () => {
      const cfg = loadConfigFile(DEFAULT_CONFIG_PATH);
      expect(cfg.categories.filter((c) => c.consentPurpose).map((c) => [c.name, c.consentPurpose])).toEqual([
        ['special_diet', 'special_diet'],
        ['accessibility', 'accessibility'],
      ]);
      expect(cfg.consentPurposes.filter((p) => p.explicit).map((p) => p.name)).toEqual(['special_diet', 'accessibility']);
      expect(cfg.consentPurposes.find((p) => p.name === 'newsletter')?.explicit).toBe(false);
    });

    test('missing: one line naming the field and the purposes to choose from', () => {
      expect(withChange((c) => delete c.categories[6].consentPurpose)).toEqual([
        'categories[6].consentPurpose: special_diet rests on explicit consent (art. 9(2)(a)): name the consent purpose it rests on, one of consentPurposes: newsletter, events, special_diet, accessibility',
      ]);
    });

    test('an undeclared purpose', () => {
      expect(withChange((c) => (c.categories[6].consentPurpose = 'diet'))).toEqual([
        'categories[6].consentPurpose: unknown consent purpose; declared consentPurposes: newsletter, events, special_diet, accessibility; got "diet"',
      ]);
    });

    test('a purpose that is not explicit', () => {
      expect(withChange((c) => (c.categories[6].consentPurpose = 'newsletter'))).toEqual([
        'categories[6].consentPurpose: the purpose is not explicit; a special category needs an explicit consent (art. 9(2)(a)): set consentPurposes[0].explicit to true; got "newsletter"',
      ]);
    });

    test('on a category that does not rest on explicit consent', () => {
      expect(withChange((c) => (c.categories[0].consentPurpose = 'newsletter'))).toEqual([
        'categories[0].consentPurpose: only a special category whose specialCategoryCondition is explicit-consent rests on a consent purpose: remove it, or set specialCategoryCondition to explicit-consent; got "newsletter"',
      ]);
    });
  });

  test('a role granted a special category without a declared need', () => {
    expect(withChange((c) => c.roles[2].reads.push('special_diet'))).toContainEqual(
      expect.stringMatching(/^roles\[2\]\.specialCategoryJustification: this role reads or writes a special category \(art\. 9\)/),
    );
  });

  test('a role without a VPN group when the VPN uses SAML', () => {
    expect(withChange((c) => delete c.roles[1].vpnGroupId)).toContainEqual(expect.stringMatching(/^roles\[1\]\.vpnGroupId: with SAML VPN authentication every role needs/));
  });

  test('a certificate in another region than the stack', () => {
    expect(withChange((c) => (c.vpn.serverCertificateArn = c.vpn.serverCertificateArn.replace('eu-west-3', 'us-east-1')))).toContainEqual(
      expect.stringMatching(/^vpn\.serverCertificateArn: the certificate must be in the stack region eu-west-3, not us-east-1/),
    );
  });

  test('backups that would outlive every retention', () => {
    expect(
      withChange((c) => {
        c.database.backupRetentionDays = 30;
        for (const cat of c.categories) cat.retentionDays = 20;
      }),
    ).toContainEqual('database.backupRetentionDays: backups must not outlive the longest category retention (20 days); got 30');
  });

  test('a role bound to an undeclared consent purpose', () => {
    expect(withChange((c) => (c.roles[0].consentPurpose = 'sms'))).toContainEqual(
      'roles[0].consentPurpose: unknown consent purpose; declared consentPurposes: newsletter, events, special_diet, accessibility; got "sms"',
    );
  });

  test('a flag on a standard category, or on a category the role already reads', () => {
    expect(withChange((c) => c.roles[2].flags.push('commercial'))).toContainEqual(expect.stringMatching(/^roles\[2\]\.flags\[1\]: a flag tells that special-category data exists without its detail; only special categories have flags; got "commercial"$/));
    expect(withChange((c) => (c.roles[1].flags = ['special_diet']))).toContainEqual('roles[1].flags[0]: the role already reads this category; remove the flag; got "special_diet"');
  });

  test('a data-subject-rights role that cannot read every category', () => {
    expect(withChange((c) => (c.roles[3].reads = c.roles[3].reads.filter((r: string) => r !== 'notes')))).toContainEqual(
      'roles[3].dataSubjectRights: a role that answers access and erasure requests must read every category; missing: notes; got true',
    );
  });

  test('an unknown field and an invalid enum value', () => {
    const lines = withChange((c) => {
      c.dpo.mail = 'x@y.z';
      c.categories[1].legalBasis = 'whim';
    });
    expect(lines).toContainEqual('dpo.mail: unknown field; remove it or check its spelling (see lib/config/config.schema.json)');
    expect(lines).toContainEqual(expect.stringMatching(/^categories\[1\]\.legalBasis: must be one of "consent", "contract", .*; got "whim"$/));
  });

  test('every problem is reported at once, one line each', () => {
    const lines = withChange((c) => {
      c.environment = { account: '12345', region: 'us-east-1' };
      c.network.vpnClientCidr = '10.40.0.0/22';
      c.roles[0].reads.push('ghost');
      c.roles.push({ ...c.roles[1] });
      c.categories[0].retentionDays = 0;
      delete c.dpo.email;
    });
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    for (const field of ['environment.account', 'environment.region', 'network.vpnClientCidr', 'roles[0].reads[4]', 'roles[4].name', 'categories[0].retentionDays', 'dpo.email']) {
      expect(lines.some((l) => l.startsWith(`${field}:`))).toBe(true);
    }
  });

  test('an unreadable or malformed file is one clear line', () => {
    expect(() => loadConfigFile('/nonexistent/config.json')).toThrow(/cannot read \/nonexistent\/config\.json \(ENOENT\); give the path of an existing configuration file \(cdk synth -c config=FILE, gdpr-baseline --config FILE\)/);
  });
});

test('lib/config/config.schema.json is generated from the zod schema (run npm run schema when this fails)', () => {
  expect(readFileSync(`${REPO_ROOT}/lib/config/config.schema.json`, 'utf8')).toBe(renderConfigJsonSchema());
});
