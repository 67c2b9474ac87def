/**
 * Demo database dumps in mysqldump's exact text layout, with the tables a Drupal 8 or
 * WordPress site really has. Content grows with time: posts and users are laid out on a fixed
 * calendar (one every couple of days), so a dump "at" a later time holds everything an earlier
 * one did plus what was published since. Dev and test lag behind live, as they do when content
 * is cloned down now and then, and carry a few environment-specific rows.
 */
import { Random, hashString, paragraph, sentence, slugify, titleWords, word } from './random'
import type { Framework } from './kits'
import { platformDomain } from '../../domains'

type Value = string | number | null

interface TableSpec {
  readonly name: string
  readonly columns: readonly string[]
  readonly keys: readonly string[]
  readonly rows: readonly (readonly Value[])[]
  readonly comment?: string
  readonly autoIncrement?: boolean
}

/** Content grid origin: items are published at fixed intervals from here. */
const GRID_ORIGIN = Date.UTC(2025, 0, 1) / 1000
const POST_INTERVAL = 2 * 86_400
const MIN_POSTS = 30
const MAX_POSTS = 3000

const ENV_LAG_DAYS: Record<string, number> = { live: 0, test: 3, dev: 7 }

function escapeSql(value: Value): string {
  if (value === null) return 'NULL'
  if (typeof value === 'number') return String(value)
  // mysqldump escapes exactly these characters, control characters included.
  // eslint-disable-next-line no-control-regex
  return `'${value.replace(/[\\'\n\r\0\x1a"]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\0': '\\0', '\x1a': '\\Z', '"': '\\"' })[c]!)}'`
}

function mysqlDatetime(epoch: number): string {
  return new Date(epoch * 1000).toISOString().slice(0, 19).replace('T', ' ')
}

function dumpTable(table: TableSpec): string {
  const lines = [
    '--',
    `-- Table structure for table \`${table.name}\``,
    '--',
    '',
    `DROP TABLE IF EXISTS \`${table.name}\`;`,
    '/*!40101 SET @saved_cs_client     = @@character_set_client */;',
    '/*!40101 SET character_set_client = utf8 */;',
    `CREATE TABLE \`${table.name}\` (`,
    [...table.columns, ...table.keys].map((c) => `  ${c}`).join(',\n'),
    `) ENGINE=InnoDB${table.autoIncrement && table.rows.length > 0 ? ` AUTO_INCREMENT=${table.rows.length + 1}` : ''} DEFAULT CHARSET=utf8mb4${table.comment ? ` COMMENT='${table.comment}'` : ''};`,
    '/*!40101 SET character_set_client = @saved_cs_client */;',
    '',
    '--',
    `-- Dumping data for table \`${table.name}\``,
    '--',
    '',
    `LOCK TABLES \`${table.name}\` WRITE;`,
    `/*!40000 ALTER TABLE \`${table.name}\` DISABLE KEYS */;`,
  ]
  // mysqldump's extended inserts: many rows per statement, split before statements get huge.
  for (let i = 0; i < table.rows.length; i += 200) {
    const values = table.rows.slice(i, i + 200).map((row) => `(${row.map(escapeSql).join(',')})`)
    lines.push(`INSERT INTO \`${table.name}\` VALUES ${values.join(',')};`)
  }
  lines.push(`/*!40000 ALTER TABLE \`${table.name}\` ENABLE KEYS */;`, 'UNLOCK TABLES;', '')
  return lines.join('\n')
}

function header(host: string, at: number): string {
  return [
    '-- MySQL dump 10.13  Distrib 5.7.42, for Linux (x86_64)',
    '--',
    `-- Host: ${host}    Database: pantheon`,
    '-- ------------------------------------------------------',
    '-- Server version\t10.4.31-MariaDB-log',
    '',
    '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
    '/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;',
    '/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;',
    '/*!40101 SET NAMES utf8mb4 */;',
    '/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;',
    "/*!40103 SET TIME_ZONE='+00:00' */;",
    '/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;',
    '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;',
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;",
    '/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;',
    '',
    `-- Dump started on ${mysqlDatetime(at)}`,
    '',
  ].join('\n')
}

function footer(at: number): string {
  return [
    '/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;',
    '',
    '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;',
    '/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;',
    '/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;',
    '/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;',
    '/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;',
    '/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;',
    '/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;',
    '',
    `-- Dump completed on ${mysqlDatetime(at)}`,
    '',
  ].join('\n')
}

interface Post {
  readonly id: number
  readonly created: number
  readonly changed: number
  readonly title: string
  readonly body: string
  readonly type: 'article' | 'page'
  readonly author: number
  readonly uuid: string
  readonly term: number
}

/** The site's posts published up to `contentTime` (stable: post N is always the same post). */
function postsUpTo(site: string, contentTime: number): Post[] {
  const count = Math.max(
    MIN_POSTS,
    Math.min(MAX_POSTS, MIN_POSTS + Math.floor((contentTime - GRID_ORIGIN) / POST_INTERVAL)),
  )
  const posts: Post[] = []
  for (let id = 1; id <= count; id += 1) {
    const random = new Random(`${site}:post:${id}`)
    // The first MIN_POSTS posts predate the grid: they are the site's launch content.
    const created =
      id <= MIN_POSTS
        ? GRID_ORIGIN - (MIN_POSTS - id + 1) * 86_400
        : GRID_ORIGIN + (id - MIN_POSTS) * POST_INTERVAL - random.int(0, 86_000)
    posts.push({
      id,
      created,
      changed: Math.min(contentTime, created + random.int(0, 20) * 3600),
      title: titleWords(random, random.int(3, 7)),
      body: `<p>${paragraph(random)}</p>\n<p>${paragraph(random)}</p>`,
      type: id % 7 === 0 ? 'page' : 'article',
      author: 1 + (hashString(`${site}:${id}`) % 4),
      uuid: random.uuid(),
      term: 1 + (id % 8),
    })
  }
  return posts
}

const PEOPLE = ['admin', 'maya.okafor', 'jonas', 'priya', 'diego', 'sam.w', 'editor', 'guest.writer']

function contentTimeFor(env: string, at: number): number {
  const lag = ENV_LAG_DAYS[env] ?? ENV_LAG_DAYS.dev!
  return at - lag * 86_400
}

function siteLabel(siteName: string): string {
  return siteName
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join(' ')
}

/** A PHP serialized string (its length in UTF-8 bytes). */
function phpString(text: string): string {
  return `s:${Buffer.byteLength(text)}:"${text}";`
}

function serializePhp(value: Record<string, string | number>): string {
  const entries = Object.entries(value).map(([k, v]) =>
    typeof v === 'number' ? `${phpString(k)}i:${v};` : `${phpString(k)}${phpString(v)}`,
  )
  return `a:${entries.length}:{${entries.join('')}}`
}

function drupalTables(siteName: string, env: string, at: number): TableSpec[] {
  const contentTime = contentTimeFor(env, at)
  const posts = postsUpTo(siteName, contentTime).filter((p) => p.created <= contentTime)
  const label = siteLabel(siteName)
  const random = new Random(`${siteName}:${env}:${at}`)
  const terms = Array.from({ length: 8 }, (_, i) => titleWords(new Random(`${siteName}:term:${i}`), 1))
  const users = PEOPLE.map((name, i) => ({ uid: i + 1, name, created: GRID_ORIGIN - (40 - i) * 86_400 }))
  if (env !== 'live') users.push({ uid: users.length + 1, name: `qa.${env}`, created: contentTime - 86_400 })
  const cacheCols = [
    "`cid` varchar(255) CHARACTER SET ascii NOT NULL DEFAULT ''",
    '`data` longblob',
    '`expire` int(11) NOT NULL DEFAULT 0',
    '`created` decimal(14,3) NOT NULL DEFAULT 0.000',
    '`serialized` smallint(6) NOT NULL DEFAULT 0',
    '`tags` longtext',
    '`checksum` varchar(255) CHARACTER SET ascii NOT NULL',
  ]
  const cacheTable = (bin: string, cids: string[]): TableSpec => ({
    name: `cache_${bin}`,
    columns: cacheCols,
    keys: ['PRIMARY KEY (`cid`)', 'KEY `expire` (`expire`)', 'KEY `created` (`created`)'],
    rows: cids.map((cid) => [
      cid,
      serializePhp({ cid, built: at, env }),
      -1,
      `${at}.${random.int(100, 999)}`,
      1,
      `config:${bin}`,
      String(random.int(1, 40)),
    ]),
    comment: `Storage for the cache API.`,
  })
  const watchdogTypes = ['cron', 'php', 'user', 'content', 'page not found', 'system']
  const logCount = 40 + Math.floor(((at - GRID_ORIGIN) / 86_400) % 60)
  return [
    cacheTable('bootstrap', ['hook_info', 'module_implements', 'system_list']),
    cacheTable('config', ['system.site', 'system.performance', `core.extension`]),
    cacheTable('data', ['views_data:en', 'entity_type', 'field_info']),
    cacheTable('default', ['theme_registry:runtime', 'library_info', 'token_info:en']),
    cacheTable(
      'entity',
      posts.slice(-5).map((p) => `values:node:${p.id}`),
    ),
    cacheTable('render', ['entity_view:block:branding', 'view:frontpage:display:page_1']),
    {
      name: 'config',
      columns: [
        "`collection` varchar(255) CHARACTER SET ascii NOT NULL DEFAULT ''",
        "`name` varchar(255) CHARACTER SET ascii NOT NULL DEFAULT ''",
        '`data` longblob',
      ],
      keys: ['PRIMARY KEY (`collection`,`name`)'],
      rows: [
        [
          '',
          'system.site',
          serializePhp({
            name: env === 'live' ? label : `${label} (${env})`,
            mail: 'admin@example.com',
            front: '/node',
          }),
        ],
        [
          '',
          'system.performance',
          serializePhp({
            'css.preprocess': env === 'dev' ? 0 : 1,
            'js.preprocess': env === 'dev' ? 0 : 1,
            'cache.page.max_age': env === 'live' ? 900 : 0,
          }),
        ],
        ['', 'system.logging', serializePhp({ error_level: env === 'live' ? 'hide' : 'verbose' })],
        ['', 'core.extension', serializePhp({ node: 0, user: 0, system: 0, views: 10, standard: 1000 })],
      ],
    },
    {
      name: 'key_value',
      columns: [
        "`collection` varchar(128) CHARACTER SET ascii NOT NULL DEFAULT ''",
        "`name` varchar(128) CHARACTER SET ascii NOT NULL DEFAULT ''",
        '`value` longblob NOT NULL',
      ],
      keys: ['PRIMARY KEY (`collection`,`name`)'],
      rows: [
        ['state', 'system.cron_last', `i:${at - random.int(60, 3600)};`],
        ['state', 'install_time', `i:${GRID_ORIGIN - 45 * 86_400};`],
        ['state', 'system.maintenance_mode', 'b:0;'],
      ],
    },
    {
      name: 'node',
      columns: [
        '`nid` int(10) unsigned NOT NULL AUTO_INCREMENT',
        '`vid` int(10) unsigned DEFAULT NULL',
        '`type` varchar(32) CHARACTER SET ascii NOT NULL',
        '`uuid` varchar(128) CHARACTER SET ascii NOT NULL',
        '`langcode` varchar(12) CHARACTER SET ascii NOT NULL',
      ],
      keys: [
        'PRIMARY KEY (`nid`)',
        'UNIQUE KEY `node_field__uuid__value` (`uuid`)',
        'UNIQUE KEY `node__revision` (`vid`)',
        'KEY `node_field__type__target_id` (`type`)',
      ],
      rows: posts.map((p) => [p.id, p.id, p.type, p.uuid, 'en']),
      comment: 'The base table for node entities.',
      autoIncrement: true,
    },
    {
      name: 'node_field_data',
      columns: [
        '`nid` int(10) unsigned NOT NULL',
        '`vid` int(10) unsigned NOT NULL',
        '`type` varchar(32) CHARACTER SET ascii NOT NULL',
        '`langcode` varchar(12) CHARACTER SET ascii NOT NULL',
        '`status` tinyint(4) NOT NULL',
        '`uid` int(10) unsigned NOT NULL',
        '`title` varchar(255) NOT NULL',
        '`created` int(11) NOT NULL',
        '`changed` int(11) DEFAULT NULL',
        '`promote` tinyint(4) DEFAULT NULL',
        '`sticky` tinyint(4) DEFAULT NULL',
      ],
      keys: [
        'PRIMARY KEY (`nid`,`langcode`)',
        'KEY `node__id__default_langcode__langcode` (`nid`,`langcode`)',
        'KEY `node_field__uid__target_id` (`uid`)',
        'KEY `node__status_type` (`status`,`type`,`nid`)',
      ],
      rows: posts.map((p) => [
        p.id,
        p.id,
        p.type,
        'en',
        1,
        p.author,
        p.title,
        p.created,
        p.changed,
        p.type === 'article' ? 1 : 0,
        0,
      ]),
      comment: 'The data table for node entities.',
    },
    {
      name: 'node__body',
      columns: [
        "`bundle` varchar(128) CHARACTER SET ascii NOT NULL DEFAULT ''",
        '`deleted` tinyint(4) NOT NULL DEFAULT 0',
        '`entity_id` int(10) unsigned NOT NULL',
        '`revision_id` int(10) unsigned NOT NULL',
        "`langcode` varchar(32) CHARACTER SET ascii NOT NULL DEFAULT ''",
        '`delta` int(10) unsigned NOT NULL',
        '`body_value` longtext NOT NULL',
        '`body_summary` longtext',
        '`body_format` varchar(255) CHARACTER SET ascii DEFAULT NULL',
      ],
      keys: [
        'PRIMARY KEY (`entity_id`,`deleted`,`delta`,`langcode`)',
        'KEY `bundle` (`bundle`)',
        'KEY `revision_id` (`revision_id`)',
      ],
      rows: posts.map((p) => [p.type, 0, p.id, p.id, 'en', 0, p.body, '', 'basic_html']),
      comment: 'Data storage for node field body.',
    },
    {
      name: 'users_field_data',
      columns: [
        '`uid` int(10) unsigned NOT NULL',
        '`langcode` varchar(12) CHARACTER SET ascii NOT NULL',
        '`name` varchar(60) NOT NULL',
        '`pass` varchar(255) DEFAULT NULL',
        '`mail` varchar(254) DEFAULT NULL',
        '`status` tinyint(4) DEFAULT NULL',
        '`created` int(11) NOT NULL',
        '`access` int(11) NOT NULL',
        '`login` int(11) DEFAULT NULL',
      ],
      keys: [
        'PRIMARY KEY (`uid`,`langcode`)',
        'UNIQUE KEY `user__name` (`name`,`langcode`)',
        'KEY `user_field__mail` (`mail`)',
      ],
      rows: users.map((u) => [
        u.uid,
        'en',
        u.name,
        `$S$E${new Random(`${siteName}:pass:${u.name}`).hex(52)}`,
        `${u.name}@example.com`,
        1,
        u.created,
        at - ((u.uid * 7919) % 86_400),
        at - ((u.uid * 7919) % 86_400),
      ]),
      comment: 'The data table for user entities.',
    },
    {
      name: 'taxonomy_term_data',
      columns: [
        '`tid` int(10) unsigned NOT NULL AUTO_INCREMENT',
        '`revision_id` int(10) unsigned DEFAULT NULL',
        '`vid` varchar(32) CHARACTER SET ascii NOT NULL',
        '`uuid` varchar(128) CHARACTER SET ascii NOT NULL',
        '`langcode` varchar(12) CHARACTER SET ascii NOT NULL',
      ],
      keys: ['PRIMARY KEY (`tid`)', 'UNIQUE KEY `taxonomy_term_field__uuid__value` (`uuid`)'],
      rows: terms.map((_, i) => [i + 1, i + 1, 'tags', new Random(`${siteName}:term-uuid:${i}`).uuid(), 'en']),
      comment: 'The base table for taxonomy_term entities.',
      autoIncrement: true,
    },
    {
      name: 'taxonomy_term_field_data',
      columns: [
        '`tid` int(10) unsigned NOT NULL',
        '`vid` varchar(32) CHARACTER SET ascii NOT NULL',
        '`langcode` varchar(12) CHARACTER SET ascii NOT NULL',
        '`name` varchar(255) NOT NULL',
        '`weight` int(11) NOT NULL',
        '`changed` int(11) DEFAULT NULL',
      ],
      keys: ['PRIMARY KEY (`tid`,`langcode`)', 'KEY `taxonomy_term__tree` (`vid`,`weight`,`name`)'],
      rows: terms.map((name, i) => [i + 1, 'tags', 'en', name, i, GRID_ORIGIN - 30 * 86_400]),
    },
    {
      name: 'path_alias',
      columns: [
        '`id` int(10) unsigned NOT NULL AUTO_INCREMENT',
        '`revision_id` int(10) unsigned DEFAULT NULL',
        '`path` varchar(255) DEFAULT NULL',
        '`alias` varchar(255) DEFAULT NULL',
        '`langcode` varchar(12) CHARACTER SET ascii NOT NULL',
      ],
      keys: ['PRIMARY KEY (`id`)', 'KEY `path_alias__alias_langcode_id_status` (`alias`(191),`langcode`)'],
      rows: posts.map((p) => [
        p.id,
        p.id,
        `/node/${p.id}`,
        `/${p.type === 'page' ? '' : 'news/'}${slugify(p.title)}`,
        'en',
      ]),
      autoIncrement: true,
    },
    {
      name: 'watchdog',
      columns: [
        '`wid` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        '`uid` int(10) unsigned NOT NULL DEFAULT 0',
        "`type` varchar(64) CHARACTER SET ascii NOT NULL DEFAULT ''",
        '`message` longtext NOT NULL',
        '`variables` longblob NOT NULL',
        '`severity` tinyint(3) unsigned NOT NULL DEFAULT 0',
        '`location` text NOT NULL',
        "`hostname` varchar(128) NOT NULL DEFAULT ''",
        '`timestamp` int(11) NOT NULL DEFAULT 0',
      ],
      keys: ['PRIMARY KEY (`wid`)', 'KEY `type` (`type`)', 'KEY `uid` (`uid`)', 'KEY `severity` (`severity`)'],
      rows: Array.from({ length: logCount }, (_, i) => {
        const type = random.pick(watchdogTypes)
        const message =
          type === 'cron'
            ? 'Cron run completed.'
            : type === 'page not found'
              ? `/${word(random)}-${word(random)}`
              : sentence(random)
        return [
          i + 1,
          type === 'user' ? random.int(1, 8) : 0,
          type,
          message,
          'a:0:{}',
          type === 'php' ? 3 : 5,
          `https://${env}-${siteName}.pantheonsite.io/`,
          `10.0.${random.int(0, 255)}.${random.int(1, 254)}`,
          at - (logCount - i) * 1800,
        ]
      }),
      comment: 'Table that contains logs of all system events.',
      autoIncrement: true,
    },
    {
      name: 'sessions',
      columns: [
        '`uid` int(10) unsigned NOT NULL',
        '`sid` varchar(128) CHARACTER SET ascii NOT NULL',
        "`hostname` varchar(128) NOT NULL DEFAULT ''",
        '`timestamp` int(11) NOT NULL DEFAULT 0',
        '`session` longblob',
      ],
      keys: ['PRIMARY KEY (`sid`)', 'KEY `timestamp` (`timestamp`)', 'KEY `uid` (`uid`)'],
      rows: [[1, random.hex(43), '10.0.0.1', at - 600, '_sf2_attributes|a:1:{s:3:"uid";s:1:"1";}']],
    },
    {
      name: 'semaphore',
      columns: [
        "`name` varchar(255) CHARACTER SET ascii NOT NULL DEFAULT ''",
        "`value` varchar(255) CHARACTER SET ascii NOT NULL DEFAULT ''",
        '`expire` double NOT NULL',
      ],
      keys: ['PRIMARY KEY (`name`)', 'KEY `value` (`value`)', 'KEY `expire` (`expire`)'],
      rows: [],
    },
  ]
}

function wordpressTables(siteName: string, env: string, at: number): TableSpec[] {
  const contentTime = contentTimeFor(env, at)
  const posts = postsUpTo(siteName, contentTime).filter((p) => p.created <= contentTime)
  const label = siteLabel(siteName)
  const random = new Random(`${siteName}:${env}:${at}`)
  const url = `https://${platformDomain(siteName, env)}`
  const users = PEOPLE.slice(0, 6).map((login, i) => ({
    id: i + 1,
    login,
    registered: GRID_ORIGIN - (40 - i) * 86_400,
  }))
  if (env !== 'live') users.push({ id: users.length + 1, login: `qa-${env}`, registered: contentTime - 86_400 })
  const wpPosts: Value[][] = []
  const postmeta: Value[][] = []
  let metaId = 1
  let nextId = 1
  const postIds = new Map<number, number>()
  for (const p of posts) {
    const id = nextId++
    postIds.set(p.id, id)
    const date = mysqlDatetime(p.created)
    const modified = mysqlDatetime(p.changed)
    const type = p.type === 'page' ? 'page' : 'post'
    wpPosts.push([
      id,
      p.author,
      date,
      date,
      p.body,
      p.title,
      '',
      'publish',
      'open',
      'open',
      '',
      slugify(p.title),
      '',
      '',
      modified,
      modified,
      '',
      0,
      `${url}/?p=${id}`,
      0,
      type,
      '',
      0,
    ])
    postmeta.push(
      [metaId++, id, '_edit_last', String(p.author)],
      [metaId++, id, '_edit_lock', `${p.changed}:${p.author}`],
    )
    if (p.id % 3 === 0) {
      // An image attachment per third post, like the uploads in the files archive.
      const attachment = nextId++
      wpPosts.push([
        attachment,
        p.author,
        date,
        date,
        '',
        `${slugify(p.title)}-image`,
        '',
        'inherit',
        'open',
        'closed',
        '',
        `${slugify(p.title)}-image`,
        '',
        '',
        date,
        date,
        '',
        id,
        `${url}/wp-content/uploads/${date.slice(0, 4)}/${date.slice(5, 7)}/image-${p.id}.png`,
        0,
        'attachment',
        'image/png',
        0,
      ])
      postmeta.push(
        [metaId++, attachment, '_wp_attached_file', `${date.slice(0, 4)}/${date.slice(5, 7)}/image-${p.id}.png`],
        [metaId++, id, '_thumbnail_id', String(attachment)],
      )
    }
  }
  if (env !== 'live') {
    const id = nextId
    wpPosts.push([
      id,
      1,
      mysqlDatetime(contentTime),
      mysqlDatetime(contentTime),
      `<p>Scratch page for checks on ${env}.</p>`,
      `QA checklist (${env})`,
      '',
      'draft',
      'closed',
      'closed',
      '',
      `qa-checklist-${env}`,
      '',
      '',
      mysqlDatetime(contentTime),
      mysqlDatetime(contentTime),
      '',
      0,
      `${url}/?page_id=${id}`,
      0,
      'page',
      '',
      0,
    ])
  }
  const comments: Value[][] = []
  let commentId = 1
  for (const p of posts) {
    const r = new Random(`${siteName}:comments:${p.id}`)
    const count = p.type === 'article' ? r.int(0, 3) : 0
    for (let i = 0; i < count; i += 1) {
      const when = p.created + (i + 1) * r.int(600, 40_000)
      if (when > contentTime) continue
      const author = `${titleWords(r, 1)} ${titleWords(r, 1)}`
      comments.push([
        commentId++,
        postIds.get(p.id)!,
        author,
        `${slugify(author)}@example.net`,
        '',
        `203.0.113.${r.int(1, 254)}`,
        mysqlDatetime(when),
        mysqlDatetime(when),
        sentence(r),
        0,
        '1',
        'Mozilla/5.0',
        'comment',
        0,
        0,
      ])
    }
  }
  const termNames = Array.from({ length: 8 }, (_, i) => titleWords(new Random(`${siteName}:term:${i}`), 1))
  const options: Value[][] = [
    [1, 'siteurl', url, 'yes'],
    [2, 'home', url, 'yes'],
    [3, 'blogname', env === 'live' ? label : `${label} (${env})`, 'yes'],
    [4, 'blogdescription', 'Just another WordPress site', 'yes'],
    [5, 'admin_email', 'admin@example.com', 'yes'],
    [6, 'permalink_structure', '/%year%/%monthnum%/%postname%/', 'yes'],
    [7, 'template', `${slugify(siteName)}-theme`, 'yes'],
    [8, 'stylesheet', `${slugify(siteName)}-theme`, 'yes'],
    [
      9,
      'active_plugins',
      `a:1:{i:0;s:${`${slugify(siteName)}-custom/${slugify(siteName)}-custom.php`.length}:"${slugify(siteName)}-custom/${slugify(siteName)}-custom.php";}`,
      'yes',
    ],
    [10, 'db_version', '49752', 'yes'],
    [11, 'blog_public', env === 'live' ? '1' : '0', 'yes'],
    [12, 'cron', serializePhp({ [String(at + 3600)]: 'wp_version_check', version: 2 }), 'yes'],
    [13, '_transient_doing_cron', `${at}.${random.int(100000, 999999)}`, 'yes'],
    // A text widget: nested serialized data holding the site's URL (with quotes and multibyte
    // text), as a clone's URL replacement must rewrite it.
    [
      14,
      'widget_text',
      `a:2:{i:2;a:4:{${phpString('title')}${phpString('Find us')}${phpString('text')}${phpString(
        `<p>Visit <a href="${url}/contact/">our contact page</a> or the <a href="${url}/">home page</a> — open 9–5.</p>`,
      )}${phpString('filter')}b:1;${phpString('visual')}b:1;}${phpString('_multiwidget')}i:1;}`,
      'yes',
    ],
  ]
  return [
    {
      name: 'wp_commentmeta',
      columns: [
        '`meta_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`comment_id` bigint(20) unsigned NOT NULL DEFAULT '0'",
        '`meta_key` varchar(255) DEFAULT NULL',
        '`meta_value` longtext',
      ],
      keys: ['PRIMARY KEY (`meta_id`)', 'KEY `comment_id` (`comment_id`)', 'KEY `meta_key` (`meta_key`(191))'],
      rows: [],
    },
    {
      name: 'wp_comments',
      columns: [
        '`comment_ID` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`comment_post_ID` bigint(20) unsigned NOT NULL DEFAULT '0'",
        '`comment_author` tinytext NOT NULL',
        "`comment_author_email` varchar(100) NOT NULL DEFAULT ''",
        "`comment_author_url` varchar(200) NOT NULL DEFAULT ''",
        "`comment_author_IP` varchar(100) NOT NULL DEFAULT ''",
        "`comment_date` datetime NOT NULL DEFAULT '0000-00-00 00:00:00'",
        "`comment_date_gmt` datetime NOT NULL DEFAULT '0000-00-00 00:00:00'",
        '`comment_content` text NOT NULL',
        "`comment_karma` int(11) NOT NULL DEFAULT '0'",
        "`comment_approved` varchar(20) NOT NULL DEFAULT '1'",
        "`comment_agent` varchar(255) NOT NULL DEFAULT ''",
        "`comment_type` varchar(20) NOT NULL DEFAULT 'comment'",
        "`comment_parent` bigint(20) unsigned NOT NULL DEFAULT '0'",
        "`user_id` bigint(20) unsigned NOT NULL DEFAULT '0'",
      ],
      keys: [
        'PRIMARY KEY (`comment_ID`)',
        'KEY `comment_post_ID` (`comment_post_ID`)',
        'KEY `comment_date_gmt` (`comment_date_gmt`)',
      ],
      rows: comments,
      autoIncrement: true,
    },
    {
      name: 'wp_links',
      columns: [
        '`link_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`link_url` varchar(255) NOT NULL DEFAULT ''",
        "`link_name` varchar(255) NOT NULL DEFAULT ''",
        "`link_visible` varchar(20) NOT NULL DEFAULT 'Y'",
      ],
      keys: ['PRIMARY KEY (`link_id`)', 'KEY `link_visible` (`link_visible`)'],
      rows: [],
    },
    {
      name: 'wp_options',
      columns: [
        '`option_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`option_name` varchar(191) NOT NULL DEFAULT ''",
        '`option_value` longtext NOT NULL',
        "`autoload` varchar(20) NOT NULL DEFAULT 'yes'",
      ],
      keys: ['PRIMARY KEY (`option_id`)', 'UNIQUE KEY `option_name` (`option_name`)', 'KEY `autoload` (`autoload`)'],
      rows: options,
      autoIncrement: true,
    },
    {
      name: 'wp_postmeta',
      columns: [
        '`meta_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`post_id` bigint(20) unsigned NOT NULL DEFAULT '0'",
        '`meta_key` varchar(255) DEFAULT NULL',
        '`meta_value` longtext',
      ],
      keys: ['PRIMARY KEY (`meta_id`)', 'KEY `post_id` (`post_id`)', 'KEY `meta_key` (`meta_key`(191))'],
      rows: postmeta,
      autoIncrement: true,
    },
    {
      name: 'wp_posts',
      columns: [
        '`ID` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`post_author` bigint(20) unsigned NOT NULL DEFAULT '0'",
        "`post_date` datetime NOT NULL DEFAULT '0000-00-00 00:00:00'",
        "`post_date_gmt` datetime NOT NULL DEFAULT '0000-00-00 00:00:00'",
        '`post_content` longtext NOT NULL',
        '`post_title` text NOT NULL',
        '`post_excerpt` text NOT NULL',
        "`post_status` varchar(20) NOT NULL DEFAULT 'publish'",
        "`comment_status` varchar(20) NOT NULL DEFAULT 'open'",
        "`ping_status` varchar(20) NOT NULL DEFAULT 'open'",
        "`post_password` varchar(255) NOT NULL DEFAULT ''",
        "`post_name` varchar(200) NOT NULL DEFAULT ''",
        '`to_ping` text NOT NULL',
        '`pinged` text NOT NULL',
        "`post_modified` datetime NOT NULL DEFAULT '0000-00-00 00:00:00'",
        "`post_modified_gmt` datetime NOT NULL DEFAULT '0000-00-00 00:00:00'",
        '`post_content_filtered` longtext NOT NULL',
        "`post_parent` bigint(20) unsigned NOT NULL DEFAULT '0'",
        "`guid` varchar(255) NOT NULL DEFAULT ''",
        "`menu_order` int(11) NOT NULL DEFAULT '0'",
        "`post_type` varchar(20) NOT NULL DEFAULT 'post'",
        "`post_mime_type` varchar(100) NOT NULL DEFAULT ''",
        "`comment_count` bigint(20) NOT NULL DEFAULT '0'",
      ],
      keys: [
        'PRIMARY KEY (`ID`)',
        'KEY `post_name` (`post_name`(191))',
        'KEY `type_status_date` (`post_type`,`post_status`,`post_date`,`ID`)',
        'KEY `post_parent` (`post_parent`)',
        'KEY `post_author` (`post_author`)',
      ],
      rows: wpPosts,
      autoIncrement: true,
    },
    {
      name: 'wp_term_relationships',
      columns: [
        "`object_id` bigint(20) unsigned NOT NULL DEFAULT '0'",
        "`term_taxonomy_id` bigint(20) unsigned NOT NULL DEFAULT '0'",
        "`term_order` int(11) NOT NULL DEFAULT '0'",
      ],
      keys: ['PRIMARY KEY (`object_id`,`term_taxonomy_id`)', 'KEY `term_taxonomy_id` (`term_taxonomy_id`)'],
      rows: posts.filter((p) => p.type === 'article').map((p) => [postIds.get(p.id)!, p.term, 0]),
    },
    {
      name: 'wp_term_taxonomy',
      columns: [
        '`term_taxonomy_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`term_id` bigint(20) unsigned NOT NULL DEFAULT '0'",
        "`taxonomy` varchar(32) NOT NULL DEFAULT ''",
        '`description` longtext NOT NULL',
        "`parent` bigint(20) unsigned NOT NULL DEFAULT '0'",
        "`count` bigint(20) NOT NULL DEFAULT '0'",
      ],
      keys: [
        'PRIMARY KEY (`term_taxonomy_id`)',
        'UNIQUE KEY `term_id_taxonomy` (`term_id`,`taxonomy`)',
        'KEY `taxonomy` (`taxonomy`)',
      ],
      rows: termNames.map((_, i) => [
        i + 1,
        i + 1,
        'category',
        '',
        0,
        posts.filter((p) => p.type === 'article' && p.term === i + 1).length,
      ]),
      autoIncrement: true,
    },
    {
      name: 'wp_termmeta',
      columns: [
        '`meta_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`term_id` bigint(20) unsigned NOT NULL DEFAULT '0'",
        '`meta_key` varchar(255) DEFAULT NULL',
        '`meta_value` longtext',
      ],
      keys: ['PRIMARY KEY (`meta_id`)', 'KEY `term_id` (`term_id`)', 'KEY `meta_key` (`meta_key`(191))'],
      rows: [],
    },
    {
      name: 'wp_terms',
      columns: [
        '`term_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`name` varchar(200) NOT NULL DEFAULT ''",
        "`slug` varchar(200) NOT NULL DEFAULT ''",
        "`term_group` bigint(10) NOT NULL DEFAULT '0'",
      ],
      keys: ['PRIMARY KEY (`term_id`)', 'KEY `slug` (`slug`(191))', 'KEY `name` (`name`(191))'],
      rows: termNames.map((name, i) => [i + 1, name, slugify(name), 0]),
      autoIncrement: true,
    },
    {
      name: 'wp_usermeta',
      columns: [
        '`umeta_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`user_id` bigint(20) unsigned NOT NULL DEFAULT '0'",
        '`meta_key` varchar(255) DEFAULT NULL',
        '`meta_value` longtext',
      ],
      keys: ['PRIMARY KEY (`umeta_id`)', 'KEY `user_id` (`user_id`)', 'KEY `meta_key` (`meta_key`(191))'],
      rows: users.flatMap((u, i) => [
        [
          i * 2 + 1,
          u.id,
          'wp_capabilities',
          u.id === 1 ? 'a:1:{s:13:"administrator";b:1;}' : 'a:1:{s:6:"editor";b:1;}',
        ],
        [i * 2 + 2, u.id, 'nickname', u.login],
      ]),
      autoIncrement: true,
    },
    {
      name: 'wp_users',
      columns: [
        '`ID` bigint(20) unsigned NOT NULL AUTO_INCREMENT',
        "`user_login` varchar(60) NOT NULL DEFAULT ''",
        "`user_pass` varchar(255) NOT NULL DEFAULT ''",
        "`user_nicename` varchar(50) NOT NULL DEFAULT ''",
        "`user_email` varchar(100) NOT NULL DEFAULT ''",
        "`user_registered` datetime NOT NULL DEFAULT '0000-00-00 00:00:00'",
        "`user_status` int(11) NOT NULL DEFAULT '0'",
        "`display_name` varchar(250) NOT NULL DEFAULT ''",
      ],
      keys: ['PRIMARY KEY (`ID`)', 'KEY `user_login_key` (`user_login`)', 'KEY `user_email` (`user_email`)'],
      rows: users.map((u) => [
        u.id,
        u.login,
        `$P$B${new Random(`${siteName}:pass:${u.login}`).hex(30)}`,
        slugify(u.login),
        `${u.login}@example.com`,
        mysqlDatetime(u.registered),
        0,
        u.login,
      ]),
      autoIncrement: true,
    },
  ]
}

/**
 * A mysqldump-style SQL dump of a demo site's database for `env` at time `at`: the real table
 * set of the framework, content that grows over time, deterministic for the same inputs.
 */
export function demoDatabaseSql(opts: { framework: Framework; siteName: string; env: string; at: Date }): string {
  const at = Math.floor(opts.at.getTime() / 1000)
  const tables =
    opts.framework === 'drupal8'
      ? drupalTables(opts.siteName, opts.env, at)
      : wordpressTables(opts.siteName, opts.env, at)
  const host = `dbserver.${opts.env}.${new Random(`${opts.siteName}:site-id`).uuid()}.drush.in`
  return header(host, at) + tables.map(dumpTable).join('\n') + '\n' + footer(at)
}
