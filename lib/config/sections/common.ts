/** Field types several sections of the configuration share. */
import { z } from 'zod';
import { parseCidr } from '../cidr';
import { unsafeRoleName } from '../database-names';

export const IDENTIFIER = /^[a-z][a-z0-9_]{0,30}$/;
export const identifier = (what: string) =>
  z.string().regex(IDENTIFIER, {
    message: `${what} must be lower-case letters, digits or _ starting with a letter, at most 31 characters (it becomes a PostgreSQL and IAM name)`,
  });

/** A catalog role's name: an identifier that is no SQL keyword, reserved name or user of the kit (lib/config/database-names.ts). */
export const roleName = identifier('a role name').superRefine((name, ctx) => {
  const why = IDENTIFIER.test(name) ? unsafeRoleName(name) : undefined;
  if (why) ctx.addIssue({ code: 'custom', message: why });
});

export const accountId = z.string().regex(/^\d{12}$/, { message: 'an AWS account id is exactly 12 digits' });

export const regionName = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d{1,2}$/, {
  message: 'an AWS region name looks like eu-west-3',
});

export const cidr = z.string().refine((v) => parseCidr(v) !== undefined, {
  message: 'must be an IPv4 CIDR block such as 10.40.0.0/16',
});

export const acmCertificateArn = z.string().regex(/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, {
  message: 'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)',
});

export const samlProviderArn = z.string().regex(/^arn:aws:iam::\d{12}:saml-provider\/[\w+=,.@-]{1,128}$/, {
  message: 'must be an IAM SAML provider ARN (arn:aws:iam::<account>:saml-provider/<name>)',
});

/** An EventBridge schedule: cron(...) with six fields, or rate(...). */
export const scheduleExpression = z.string().regex(/^(cron\(\S+ \S+ \S+ \S+ \S+ \S+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/, {
  message: 'an EventBridge schedule is cron(minutes hours day-of-month month day-of-week year), such as cron(30 2 * * ? *), or rate(1 day)',
});

/** An AWS Backup / EventBridge cron expression: six fields, such as cron(0 3 * * ? *). */
export const cronExpression = z.string().regex(/^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/, {
  message: 'an AWS cron expression has six fields (minutes hours day-of-month month day-of-week year), such as cron(0 3 * * ? *)',
});

/** A calendar date, YYYY-MM-DD (UTC). */
export const isoDate = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${what}; write it YYYY-MM-DD` : undefined) })
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date is written YYYY-MM-DD, such as 2027-12-31' })
    // Judged only once the format is right, so a malformed date gets one line, not two.
    .refine((v) => !/^\d{4}-\d{2}-\d{2}$/.test(v) || (!Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v)), {
      message: 'not a calendar date',
    });


/* eslint-disable @typescript-eslint/no-explicit-any */
export const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/* eslint-enable @typescript-eslint/no-explicit-any */
/** Reports one problem of a configuration at a field path (a cross-field check's only output). */
export type Problem = (path: (string | number)[], message: string) => void;
