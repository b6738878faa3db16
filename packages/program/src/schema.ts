import * as z from 'zod';
import { regionByCode } from './regions.ts';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, '应为 YYYY-MM-DD 格式的日期')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), '不是有效日期');

const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, '不是有效的电子邮箱地址');
const regionCode = z.string().refine((c) => regionByCode(c) !== undefined, '不是37个报送地区之一的代码');

export const classSchema = z
  .object({
    no: z.number().int().positive(),
    start: isoDate,
    end: isoDate,
    location: z.string().min(1),
    deadline: isoDate,
  })
  .refine((c) => c.start <= c.end, { message: '开班日期晚于结班日期', path: ['end'] })
  .refine((c) => c.deadline <= c.start, { message: '报名截止日期晚于开班日期', path: ['deadline'] });

const quotaSchema = z.object({
  total: z.number().int().nonnegative(),
  perClass: z.record(z.string().regex(/^\d+$/, '期次应为数字'), z.number().int().nonnegative()).optional(),
});

export const programSchema = z
  .object({
    $comment: z.string().optional(),
    year: z.number().int().min(2000).max(2100),
    title: z.string().min(1),
    mailbox: email,
    adminEmails: z.array(email).min(1),
    organiserEmails: z.array(email).default([]),
    timezone: z.string().default('Asia/Shanghai'),
    classes: z.array(classSchema).min(1),
    quotas: z.record(regionCode, quotaSchema),
    contacts: z.record(regionCode, z.array(email)).default({}),
    reminders: z
      .object({
        daysBefore: z.array(z.number().int().nonnegative()).default([3, 1, 0]),
        time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '应为 HH:MM'),
      })
      .default({ daysBefore: [3, 1, 0], time: '09:00' }),
    completion: z
      .object({
        maxExcusedHalfDays: z.number().int().nonnegative(),
        maxUnexcusedHalfDays: z.number().int().nonnegative(),
      })
      .default({ maxExcusedHalfDays: 1, maxUnexcusedHalfDays: 0 }),
    lateSubmissions: z.enum(['reject', 'hold']).default('reject'),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<number>();
    p.classes.forEach((c, i) => {
      if (seen.has(c.no))
        ctx.addIssue({ code: 'custom', message: `期次 ${c.no} 重复`, path: ['classes', i, 'no'] });
      seen.add(c.no);
    });
    try {
      new Intl.DateTimeFormat('en', { timeZone: p.timezone });
    } catch {
      ctx.addIssue({ code: 'custom', message: '不是有效的时区名称', path: ['timezone'] });
    }
    for (const [code, q] of Object.entries(p.quotas)) {
      for (const [no, n] of Object.entries(q.perClass ?? {})) {
        if (!seen.has(Number(no))) {
          ctx.addIssue({ code: 'custom', message: `没有第${no}期`, path: ['quotas', code, 'perClass', no] });
        }
        if (n > q.total) {
          ctx.addIssue({
            code: 'custom',
            message: '单期名额超过总名额',
            path: ['quotas', code, 'perClass', no],
          });
        }
      }
    }
  });

/** A year's program as loaded and validated. */
export type Program = z.output<typeof programSchema>;
export type ProgramClass = Program['classes'][number];
export type Quota = Program['quotas'][string];
