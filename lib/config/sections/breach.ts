/** Breach detection and the 72-hour clock (art. 33-34). */
import { z } from 'zod';
import { BREACH_DEFAULTS } from '../defaults';

export const breachSchema = z
  .object({
    /** GuardDuty with RDS Protection is enabled in the account: route its findings on the database to the DPO. */
    guardDuty: z.boolean().default(BREACH_DEFAULTS.guardDuty),
    /** Time zone the DPO reads the 72-hour deadline in (IANA name). */
    timeZone: z
      .string()
      .refine((tz) => { try { new Intl.DateTimeFormat('en-GB', { timeZone: tz }); return true; } catch { return false; } }, {
        message: 'an IANA time zone such as Europe/Paris',
      })
      .default(BREACH_DEFAULTS.timeZone),
    /** Unusual export volume: data sent by the database to its clients in one hour. */
    exportAlarm: z
      .object({
        megabytesPerHour: z
          .number()
          .int({ message: 'a whole number of megabytes' })
          .min(1, { message: 'at least 1 MB per hour' })
          .max(1_000_000, { message: 'at most 1000000 MB (1 TB) per hour' })
          .default(BREACH_DEFAULTS.exportAlarm.megabytesPerHour),
      })
      .strict()
      .default({ ...BREACH_DEFAULTS.exportAlarm }),
    /**
     * How long the stack's own trail keeps its log files (at least a year: the breach register, art. 33(5)).
     * Left out: 365 days (BREACH_DEFAULTS). Refused beside landingZone.organisationTrail, whose bucket keeps them.
     */
    trailRetentionDays: z.number().int().min(365, { message: 'keep the trail at least 365 days: it documents breaches (art. 33(5))' }).max(3650).optional(),
  })
  .strict();

