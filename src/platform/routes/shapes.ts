/**
 * The JSON of users, sites, memberships and environments. The contract's fields come from
 * the platform's state; the rest of Pantheon's fields (recorded in the fixtures) are filled
 * with honest local values so that clients written for Pantheon find what they expect.
 */
import { createHash } from 'node:crypto'
import type { EnvironmentRecord, MembershipRecord, SiteRecord, UserRecord } from '../storage/state'

/** The user JSON (`GET /api/users/{id}`). */
export function userJson(user: UserRecord, siteCount: number): Record<string, unknown> {
  const [firstname = '', ...rest] = user.fullName.split(' ')
  return {
    id: user.id,
    user_id: user.id,
    email: user.email,
    created_at: user.createdAt,
    is_registered: true,
    dev_sites_count: siteCount,
    created_organization_id: null,
    destination_organization_id: null,
    password: '',
    feature_flags: [] as unknown[],
    profile: {
      full_name: user.fullName,
      firstname,
      lastname: rest.join(' '),
      organization: 'Restore Desk',
      job_function: 'developer',
      maxdevsites: 10,
      modified: user.createdAt,
    },
  }
}

function holderJson(user: UserRecord | undefined): Record<string, unknown> {
  return { id: user?.id ?? '', email: user?.email ?? '', profile: { full_name: user?.fullName ?? '' } }
}

function upstreamJson(framework: string): Record<string, string> {
  const wordpress = framework === 'wordpress'
  const id = wordpress ? 'e8fe8550-1ab9-4964-8838-2b9abdccf4bf' : '8a129104-9d37-4082-aaf8-e6f31154644e'
  const url = wordpress
    ? 'https://github.com/pantheon-systems/WordPress'
    : 'https://github.com/pantheon-systems/drops-8.git'
  return {
    id,
    product_id: id,
    label: wordpress ? 'WordPress' : 'Drupal 8',
    machine_name: wordpress ? 'wordpress' : 'drupal8',
    framework,
    type: 'core',
    url,
    repository_url: url,
    branch: 'master',
    repository_branch: 'master',
    organization_id: '',
  }
}

/** The site JSON (`GET /api/sites/{id}`). */
export function siteJson(site: SiteRecord, owner: UserRecord | undefined): Record<string, unknown> {
  const phpVersion = site.framework === 'wordpress' ? 81 : 83
  return {
    id: site.id,
    name: site.name,
    label: site.label,
    framework: site.framework,
    created: site.created,
    owner: site.ownerId,
    plan_name: site.planName,
    frozen: site.frozen,
    created_by_user_id: site.ownerId,
    holder_id: site.ownerId,
    holder_type: 'user',
    holder: holderJson(owner),
    organization: '',
    instrument: '',
    allow_cacheserver: false,
    allow_indexserver: false,
    cacheserver: 0,
    php_version: phpVersion,
    drush_version: site.framework === 'wordpress' ? 0 : 10,
    preferred_zone: 'local',
    preferred_zone_label: 'This computer',
    preferred_availability_zone: 'local',
    purchased_at: site.created,
    migration_started_at: site.created,
    migration_completed_at: site.created,
    service_level: 'basic',
    base_domain: null,
    add_ons: [] as unknown[],
    attributes: { label: site.label, m3_ui: false },
    settings: { label: site.label, owner: site.ownerId, php_version: String(phpVersion) },
    upstream: upstreamJson(site.framework),
    last_code_push: {
      timestamp: new Date((site.lastCodePush?.timestamp ?? site.created) * 1000).toISOString().slice(0, 19),
      user_uuid: site.lastCodePush?.userId ?? null,
    },
  }
}

/** One membership JSON (`GET /api/users/{id}/memberships/sites`). */
export function membershipJson(
  membership: MembershipRecord,
  site: SiteRecord,
  owner: UserRecord | undefined,
): Record<string, unknown> {
  return {
    id: membership.id,
    key: membership.id,
    site_id: membership.siteId,
    user_id: membership.userId,
    role: membership.role,
    archived: false,
    invited_by_id: site.ownerId,
    site: {
      ...siteJson(site, owner),
      user_in_charge_id: site.ownerId,
      user_in_charge: holderJson(owner),
      product_id: null,
      product: { id: '', longname: site.framework === 'wordpress' ? 'WordPress' : 'Drupal' },
      upstream_updates_by_environment: {
        has_code: false,
        ahead: 0,
        behind: 0,
        remote_head: '',
        remote_branch: 'master',
        remote_url: '',
        has_remote_head: false,
        dev: {},
        test: {},
        live: {},
      },
      migration_method: 'none',
      cost: 0,
      secure_runtime_access: false,
      preferred_pool: 'local',
      created_at: new Date(site.created * 1000).toISOString(),
      indexserver: 0,
      encrypt_backups: false,
      max_num_cdes: '0',
      stunnel: {},
    },
  }
}

/** One environment JSON (a value of `GET /api/sites/{id}/environments`). */
export function environmentJson(name: string, record: EnvironmentRecord, site: SiteRecord): Record<string, unknown> {
  return {
    ...(record.targetRef && record.targetCommit
      ? { target_ref: record.targetRef, target_commit: record.targetCommit }
      : {}),
    environment_created: record.created,
    on_server_development: false,
    lock: { locked: record.lock.locked, username: record.lock.username, password: record.lock.password },
    dns_zone: 'localhost',
    key: `${site.id}_${name}`,
    randseed: record.randseed,
    is_initialized: record.targetCommit !== undefined,
    maintenance: { enabled: false },
    ssl_enabled: false,
    dedicated_ip: false,
    diffstat: {},
    watchers: 0,
    pingdom: 0,
    number_allow_domains: 0,
    styx_cluster: 'local',
    styx_clusters_for_cache_clear: [] as unknown[],
    php_version: site.framework === 'wordpress' ? 81 : 83,
    drush_version: site.framework === 'wordpress' ? 0 : 10,
    environment_variables: {},
    quicksilver_configuration: {},
  }
}

/** The code-log gravatar link for an email (Pantheon's field name, typo included). */
export function gravatarUrl(email: string): string {
  return `https://secure.gravatar.com/avatar/${createHash('md5').update(email.trim().toLowerCase()).digest('hex')}?s=40&d=mp`
}
