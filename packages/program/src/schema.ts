// zod/mini: the same validation as zod's method API, a seventh of the code and a third of the load time,
// which every function pays on a cold start (npm run bench, init stage).
import { zhCN } from 'zod/locales';
import * as z from 'zod/mini';
import { programRegions, type Region } from './regions.ts';

// Whoever edits the program file reads the problems in Chinese (zod/mini carries no messages of its own).
z.config(zhCN());

const isoDate = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, '应为 YYYY-MM-DD 格式的日期'),
  z.refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), '不是有效日期'),
);

const email = z.string().check(z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, '不是有效的电子邮箱地址'));
const count = z.int().check(z.nonnegative());

export const classSchema = z
  .object({
    no: z.int().check(z.positive()),
    start: isoDate,
    end: isoDate,
    location: z.string().check(z.minLength(1)),
    deadline: isoDate,
    /** Local time (HH:MM) the last half-day ends on the end date; default CLASS_ENDS_AT. */
    endsAt: z.optional(z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, '应为 HH:MM 格式的时间'))),
  })
  .check(
    z.refine((c) => c.start <= c.end, { message: '开班日期晚于结班日期', path: ['end'] }),
    z.refine((c) => c.deadline <= c.start, { message: '报名截止日期晚于开班日期', path: ['deadline'] }),
  );

/** A region the program declares (spec §2): the notice's 37 when the program declares none. */
const regionSchema = z.object({
  code: z.string().check(z.regex(/^\d{6}$/, '地区代码应为6位数字（行政区划代码）')),
  name: z.string().check(z.minLength(1, '地区名称不能为空')),
  aliases: z._default(z.array(z.string().check(z.minLength(1, '简称不能为空'))), []),
  separatePlanning: z.optional(z.boolean()),
  divisions: z.optional(z.array(z.string().check(z.regex(/^\d{1,6}$/, '行政区划代码前缀应为1至6位数字')))),
});

const quotaSchema = z.object({
  total: count,
  perClass: z.optional(z.record(z.string().check(z.regex(/^\d+$/, '期次应为数字')), count)),
});

export const programSchema = z
  .object({
    $comment: z.optional(z.string()),
    year: z.int().check(z.gte(2000), z.lte(2100)),
    title: z.string().check(z.minLength(1)),
    mailbox: email,
    adminEmails: z.array(email).check(z.minLength(1)),
    organiserEmails: z._default(z.array(email), []),
    timezone: z._default(z.string(), 'Asia/Shanghai'),
    classes: z.array(classSchema).check(z.minLength(1)),
    /** The regions that send forms; absent: the notice's 37. Quotas and contacts name these codes. */
    regions: z.optional(
      z.array(regionSchema).check(z.minLength(1, '地区列表不能为空；不填 regions 即为通知的37个地区')),
    ),
    quotas: z.record(z.string(), quotaSchema),
    contacts: z._default(z.record(z.string(), z.array(email)), {}),
    reminders: z._default(
      z.object({
        daysBefore: z._default(z.array(count), [3, 1, 0]),
        time: z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, '应为 HH:MM')),
      }),
      { daysBefore: [3, 1, 0], time: '09:00' },
    ),
    completion: z._default(
      z.object({
        maxExcusedHalfDays: count,
        maxUnexcusedHalfDays: count,
      }),
      { maxExcusedHalfDays: 1, maxUnexcusedHalfDays: 0 },
    ),
    lateSubmissions: z._default(z.enum(['reject', 'hold']), 'reject'),
  })
  .check(
    z.superRefine((p, ctx) => {
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
      checkRegions(p.regions ?? [], ctx);
      const regions = programRegions(p);
      const undeclared = p.regions
        ? (code: string) => `地区代码 ${code} 不在本计划的地区列表（regions）中，请先在 regions 中列出该地区`
        : () => '不是37个报送地区之一的代码';
      for (const key of ['quotas', 'contacts'] as const) {
        for (const code of Object.keys(p[key])) {
          if (!regions.byCode(code))
            ctx.addIssue({ code: 'custom', message: undeclared(code), path: [key, code] });
        }
      }
      for (const [code, q] of Object.entries(p.quotas)) {
        for (const [no, n] of Object.entries(q.perClass ?? {})) {
          if (!seen.has(Number(no))) {
            ctx.addIssue({
              code: 'custom',
              message: `没有第${no}期`,
              path: ['quotas', code, 'perClass', no],
            });
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
    }),
  );

type Ctx = z.core.$RefinementCtx<{ regions?: Region[] }>;

/** Each code, name and short name names one region only: a form's 填报地区 must resolve to one. */
function checkRegions(list: readonly Region[], ctx: Ctx): void {
  const codes = new Map<string, number>();
  const names = new Map<string, number>();
  list.forEach((r, i) => {
    const same = codes.get(r.code);
    if (same !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `地区代码 ${r.code} 重复（第${same + 1}个地区“${list[same]?.name}”已用此代码）`,
        path: ['regions', i, 'code'],
      });
    } else codes.set(r.code, i);
    const mine = [
      { text: r.name, path: ['regions', i, 'name'] },
      ...r.aliases.map((a, k) => ({ text: a, path: ['regions', i, 'aliases', k] })),
    ];
    for (const { text, path } of mine) {
      const other = names.get(text);
      if (other !== undefined && other !== i) {
        ctx.addIssue({
          code: 'custom',
          message: `名称“${text}”已是第${other + 1}个地区“${list[other]?.name}”的名称或简称，一个名称只能对应一个地区`,
          path,
        });
      } else names.set(text, i);
    }
  });
}

/** A year's program as loaded and validated. */
export type Program = z.output<typeof programSchema>;
export type ProgramClass = Program['classes'][number];
export type Quota = Program['quotas'][string];
