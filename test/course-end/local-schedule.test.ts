import { localCourseEndJob } from '@lingjun/fn-course-end';
import { nextFire } from '@lingjun/local';
import { describe, expect, it } from 'vitest';
import { harness } from '../support/intake.ts';

describe('course-end on the local scheduler', () => {
  it('fires daily at 20:00 Beijing time (12:00 UTC), as the AWS schedule does', async () => {
    const h = await harness();
    const job = localCourseEndJob(() => h.config, h.program);
    expect(nextFire(job, h.program.timezone, new Date('2025-06-27T05:00:00Z'))?.toISOString()).toBe(
      '2025-06-27T12:00:00.000Z',
    );
    // Run for the evening class 1 ends, with no sign-in sheet: nothing issued, nothing thrown.
    await job.handler(new Date('2025-06-27T12:00:00Z'));
  });
});
