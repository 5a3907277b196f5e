/**
 * An activity's writes cannot precede the decision to make them: the time is real time, unless the
 * workflow's clock is ahead (the time-skipping test server), in which case the workflow's. Eligibility,
 * caps and deadlines all use it.
 */
export const notBefore = (workflowNow: number): Date => new Date(Math.max(workflowNow, Date.now()));
