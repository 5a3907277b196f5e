import type { RepState } from '../../src/routing/select';

/** A rep as the routing core sees it: available, in `teams`, weight 1, no caps, no load. */
export function repState(id: string, over: Partial<RepState> = {}, teams = ['t']): RepState {
  return {
    id,
    status: 'AVAILABLE',
    active: true,
    teams,
    weight: 1,
    max_open_leads: null,
    daily_cap: null,
    timezone: 'UTC',
    working_hours: null,
    out_of_office: [],
    open_leads: 0,
    assigned_today: 0,
    last_assigned_at: null,
    ...over,
  };
}
