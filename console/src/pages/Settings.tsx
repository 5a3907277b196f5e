import { can, type Session } from '../api';
import { Organization, Webhooks } from '../settings/Organization';
import { ApiKeys } from '../settings/ApiKeys';
import { People } from '../settings/People';
import { AuditLog } from '../settings/AuditLog';
import { Privacy } from '../settings/Privacy';

/** Organization Settings: the organization, webhooks, API keys, people and the audit log. */
export function Settings({ session }: { session: Session }) {
  return (
    <>
      <h1>Settings</h1>
      <nav aria-label="Settings sections" className="row">
        <a href="#organization">Organization</a> <a href="#webhooks">Webhooks</a>
        {can(session, 'keys:read') && <a href="#keys">API keys</a>}
        {can(session, 'users:read') && <a href="#people">Users and roles</a>}
        {can(session, 'audit:read') && <a href="#audit">Audit log</a>}
        <a href="#privacy">Retention and erasure</a>
      </nav>
      <Organization writer={can(session, 'organization:write')} />
      <Webhooks writer={can(session, 'intelligence:write')} />
      {can(session, 'keys:read') && <ApiKeys writer={can(session, 'keys:write')} session={session} />}
      {can(session, 'users:read') && <People session={session} />}
      {can(session, 'audit:read') && <AuditLog session={session} />}
      <Privacy writer={can(session, 'organization:write')} eraser={can(session, 'privacy:write')} />
    </>
  );
}
