/**
 * Framework kits for demo repositories: the files a Pantheon Drupal 8 or WordPress site starts
 * with, and the kinds of everyday changes a small agency team makes to them. Content is text
 * generated from templates and the seeded random source, so it reads like a real project
 * without copying any upstream code.
 */
import { Random, paragraph, sentence, slugify, titleWords, word } from './random'

export type Framework = 'drupal8' | 'wordpress'

export interface SiteContext {
  readonly label: string
  readonly machine: string
  readonly slug: string
  readonly theme: string
  readonly random: Random
}

/** A working tree: path → content. */
export type Tree = Map<string, string | Buffer>

/** One planned commit's changes (null deletes) and message. */
export interface Change {
  readonly message: string
  readonly files: ReadonlyMap<string, string | Buffer | null>
  readonly renames?: ReadonlyArray<readonly [string, string]>
}

export interface FrameworkKit {
  readonly name: string
  readonly coreFrom: string
  readonly coreTo: string
  scaffold(ctx: SiteContext): Tree
  /** Updates core: touches every versioned core file. */
  coreUpdate(tree: Tree): Change
  /** Moves one theme file to a new place and fixes what refers to it. */
  rename(tree: Tree, ctx: SiteContext): Change
  readonly logoPath: (ctx: SiteContext) => string
  readonly faviconPath: (ctx: SiteContext) => string
  /** An everyday change on master (styles, scripts, code, config, dependencies, docs). */
  everyday(tree: Tree, ctx: SiteContext): Change
  /** Step `step` (0-based) of feature `feature`; only touches files that belong to the feature. */
  featureStep(tree: Tree, ctx: SiteContext, feature: string, step: number): Change
}

function text(tree: Tree, file: string): string {
  const value = tree.get(file)
  if (value === undefined) throw new Error(`Demo tree has no ${file}.`)
  return typeof value === 'string' ? value : value.toString('utf8')
}

function filesMatching(tree: Tree, test: (file: string) => boolean): string[] {
  return [...tree.keys()].filter(test).sort()
}

const SCOPES_FIX = ['escape', 'trim', 'guard against empty', 'correct spacing of', 'restore', 'align']

function cssRule(random: Random): string {
  const name = `${word(random)}-${word(random)}`
  const colour = `#${random.hex(6)}`
  return `\n.${name} {\n  display: ${random.pick(['flex', 'grid', 'block'])};\n  gap: ${random.int(4, 32)}px;\n  margin: 0 0 ${random.int(8, 48)}px;\n  color: ${colour};\n}\n\n@media (max-width: ${random.pick([480, 640, 768, 960])}px) {\n  .${name} {\n    display: block;\n  }\n}\n`
}

/** An everyday styling commit: one new CSS rule appended to `file`, which is about `subject`. */
function cssChange(tree: Tree, random: Random, file: string, subject: string): Change {
  return {
    message: random.pick([
      `style(theme): tidy ${subject} spacing`,
      `feat(theme): add ${subject} styles`,
      `fix(theme): ${subject} layout on small screens`,
    ]),
    files: new Map([[file, text(tree, file) + cssRule(random)]]),
  }
}

/** An everyday docs commit: a new README.md section describing the `subject` workflow. */
function readmeSection(tree: Tree, random: Random, subject: string): Change {
  return {
    message: `docs: describe ${subject} workflow`,
    files: new Map([
      ['README.md', `${text(tree, 'README.md')}\n## ${titleWords(random, 2)}\n\n${paragraph(random)}\n`],
    ]),
  }
}

// ---------------------------------------------------------------------------------------------
// Drupal 8 (Pantheon's drupal-project layout: composer at the root, docroot in web/)

const DRUPAL_MODULES: ReadonlyArray<readonly [string, string]> = [
  ['action', 'Perform tasks on specific events triggered within the system.'],
  ['automated_cron', 'Provides an automated way to run cron jobs.'],
  ['ban', 'Enables banning of IP addresses.'],
  ['basic_auth', 'Provides an HTTP Basic authentication provider.'],
  ['big_pipe', 'Sends pages using the BigPipe technique.'],
  ['block', 'Controls the visual building blocks a page is constructed with.'],
  ['block_content', 'Allows the creation of custom blocks.'],
  ['breakpoint', 'Manage breakpoints and breakpoint groups for responsive designs.'],
  ['ckeditor', 'WYSIWYG editing for rich text fields using CKEditor.'],
  ['color', 'Allows administrators to change the color scheme of compatible themes.'],
  ['comment', 'Allows users to comment on and discuss published content.'],
  ['config', 'Allows administrators to manage configuration changes.'],
  ['contact', 'Enables the use of both personal and site-wide contact forms.'],
  ['contextual', 'Provides contextual links to perform actions related to elements on a page.'],
  ['datetime', 'Defines datetime form elements and a datetime field type.'],
  ['dblog', 'Logs and records system events to the database.'],
  ['dynamic_page_cache', 'Caches pages, including those with dynamic content, for all users.'],
  ['editor', 'Provides a means to associate text formats with text editor libraries.'],
  ['field', 'Field API to add fields to entities like nodes and users.'],
  ['field_ui', 'User interface for the Field API.'],
  ['file', 'Defines a file field type.'],
  ['filter', 'Filters content in preparation for display.'],
  ['help', 'Manages the display of online help.'],
  ['history', 'Records which user has read which content.'],
  ['image', 'Defines an image field type and provides image manipulation tools.'],
  ['language', 'Allows users to configure languages and apply them to content.'],
  ['link', 'Provides a simple link field type.'],
  ['media', 'Manages the creation, configuration, and display of media items.'],
  ['menu_link_content', 'Allows administrators to create custom menu links.'],
  ['menu_ui', 'Allows administrators to customize the site navigation menu.'],
  ['node', 'Allows content to be submitted to the site and displayed on pages.'],
  ['options', 'Defines selection, check box and radio button widgets for text and numeric fields.'],
  ['page_cache', 'Caches pages for anonymous users.'],
  ['path', 'Allows users to rename URLs.'],
  ['path_alias', 'Provides the API allowing to rename URLs.'],
  ['quickedit', 'In-place content editing.'],
  ['rdf', 'Enriches your content with metadata to let other applications understand it.'],
  ['responsive_image', 'Provides an image formatter and breakpoint mappings to output responsive images.'],
  ['rest', 'Exposes entities and other resources as RESTful web API.'],
  ['search', 'Enables site-wide keyword searching.'],
  ['serialization', 'Provides a service for (de)serializing data to/from formats such as JSON and XML.'],
  ['shortcut', 'Allows users to manage customizable lists of shortcut links.'],
  ['syslog', 'Logs and records system events to syslog.'],
  ['system', 'Handles general site configuration for administrators.'],
  ['taxonomy', 'Enables the categorization of content.'],
  ['text', 'Defines simple text field types.'],
  ['toolbar', 'Provides a toolbar that shows the top-level administration menu items.'],
  ['tour', 'Displays guided tours.'],
  ['update', 'Checks for available updates.'],
  ['user', 'Manages the user registration and login system.'],
  ['views', 'Create customized lists and queries from your database.'],
  ['views_ui', 'Administrative interface for Views.'],
]

function humanName(machine: string): string {
  const name = machine.replace(/_/g, ' ')
  return name[0]!.toUpperCase() + name.slice(1)
}

function drupalInfo(module: string, description: string, version: string): string {
  return `name: ${humanName(module)}\ntype: module\ndescription: '${description}'\npackage: Core\ncore: 8.x\n\n# Information added by Drupal.org packaging script\nversion: '${version}'\nproject: 'drupal'\n`
}

function drupalModuleFile(module: string, description: string): string {
  return `<?php

/**
 * @file
 * ${description}
 */

use Drupal\\Core\\Routing\\RouteMatchInterface;

/**
 * Implements hook_help().
 */
function ${module}_help($route_name, RouteMatchInterface $route_match) {
  switch ($route_name) {
    case 'help.page.${module}':
      $output = '<h3>' . t('About') . '</h3>';
      $output .= '<p>' . t('${description.replace(/'/g, "\\'")}') . '</p>';
      return $output;
  }
}
`
}

const DRUPAL_LIB: ReadonlyArray<readonly [string, string]> = [
  ['Core/DrupalKernel.php', 'The DrupalKernel class is the core of Drupal itself.'],
  ['Core/Database/Connection.php', 'Base Database API class.'],
  ['Core/Entity/EntityBase.php', 'Defines a base entity class.'],
  ['Core/Entity/ContentEntityBase.php', 'Implements Entity Field API specific enhancements to the Entity class.'],
  ['Core/Form/FormBase.php', 'Provides a base class for forms.'],
  ['Core/Controller/ControllerBase.php', 'Utility base class for thin controllers.'],
  ['Core/Render/Renderer.php', 'Turns a render array into an HTML string.'],
  ['Core/Routing/Router.php', 'Router implementation in Drupal.'],
  ['Core/Cache/CacheBackendInterface.php', 'Defines an interface for cache implementations.'],
  ['Core/Config/ConfigFactory.php', 'Defines the configuration object factory.'],
]

function drupalClass(file: string, description: string): string {
  const parts = file.replace(/\.php$/, '').split('/')
  const cls = parts.pop()!
  const ns = ['Drupal', ...parts].join('\\')
  const kind = cls.endsWith('Interface') ? 'interface' : 'class'
  return `<?php

namespace ${ns};

/**
 * ${description}
 */
${kind} ${cls} {

}
`
}

const DRUPAL_INCLUDES = ['bootstrap.inc', 'common.inc', 'theme.inc', 'form.inc', 'install.inc', 'update.inc']

function drupalScaffold(ctx: SiteContext): Tree {
  const { machine, theme, label } = ctx
  const version = DRUPAL_KIT.coreFrom
  const tree: Tree = new Map()
  tree.set(
    '.gitignore',
    '# Ignore directories generated by Composer\n/drush/contrib/\n/vendor/\n/web/core/node_modules/\n/web/modules/contrib/\n/web/themes/contrib/\n/web/libraries/\n\n# Ignore local settings and files\n/web/sites/*/settings.local.php\n/web/sites/*/files/\n/web/sites/default/private/\n',
  )
  tree.set(
    'README.md',
    `# ${label}\n\nDrupal 8 site hosted on Pantheon (dev → test → live).\n\n## Local development\n\n1. \`composer install\`\n2. Copy \`web/sites/example.settings.local.php\` to \`web/sites/default/settings.local.php\`.\n3. \`drush cr\`\n\n## Deploying\n\nPush to \`master\` to update dev, then deploy to test and live from the dashboard.\n`,
  )
  tree.set(
    'composer.json',
    `${JSON.stringify(
      {
        name: `agency/${ctx.slug}`,
        description: `${label} — Drupal 8 on Pantheon`,
        type: 'project',
        license: 'GPL-2.0-or-later',
        repositories: [{ type: 'composer', url: 'https://packages.drupal.org/8' }],
        require: {
          'composer/installers': '^1.9',
          'drupal/core-recommended': `~${version}`,
          'drupal/admin_toolbar': '^2.4',
          'drupal/metatag': '^1.16',
          'drupal/pathauto': '^1.8',
          'drupal/redirect': '^1.6',
          'drush/drush': '^10.3',
          'pantheon-systems/drupal-integrations': '^8',
        },
        'minimum-stability': 'stable',
        'prefer-stable': true,
        extra: {
          'installer-paths': {
            'web/core': ['type:drupal-core'],
            'web/modules/contrib/{$name}': ['type:drupal-module'],
            'web/themes/contrib/{$name}': ['type:drupal-theme'],
          },
        },
      },
      null,
      4,
    )}\n`,
  )
  tree.set(
    'composer.lock',
    `{\n    "_readme": ["This file locks the dependencies of your project to a known state"],\n    "content-hash": "${ctx.random.hex(32)}",\n    "packages": [\n        {"name": "drupal/core", "version": "${version}"}\n    ]\n}\n`,
  )
  tree.set(
    'pantheon.yml',
    'api_version: 1\nweb_docroot: true\nphp_version: 7.4\ndatabase:\n  version: 10.4\ndrush_version: 10\nbuild_step: false\n',
  )
  tree.set('pantheon.upstream.yml', 'api_version: 1\nweb_docroot: true\nphp_version: 7.3\n')
  tree.set('drush/drush.yml', "options:\n  uri: 'https://dev-" + ctx.slug + ".pantheonsite.io'\n")
  tree.set('config/sync/.htaccess', 'Require all denied\n')
  tree.set(
    'config/sync/system.site.yml',
    `uuid: ${ctx.random.uuid()}\nname: '${label}'\nmail: admin@example.com\nslogan: ''\npage:\n  403: ''\n  404: ''\n  front: /node\nadmin_compact_mode: false\nweight_select_max: 100\nlangcode: en\ndefault_langcode: en\n`,
  )
  tree.set(
    'config/sync/core.extension.yml',
    `module:\n${DRUPAL_MODULES.slice(0, 30)
      .map(([m]) => `  ${m}: 0`)
      .join('\n')}\n  ${machine}_custom: 0\ntheme:\n  ${theme}: 0\n  seven: 0\nprofile: standard\n`,
  )
  tree.set(
    'web/index.php',
    "<?php\n\n/**\n * @file\n * The PHP page that serves all page requests on a Drupal installation.\n */\n\nuse Drupal\\Core\\DrupalKernel;\nuse Symfony\\Component\\HttpFoundation\\Request;\n\n$autoloader = require_once 'autoload.php';\n\n$kernel = new DrupalKernel('prod', $autoloader);\n\n$request = Request::createFromGlobals();\n$response = $kernel->handle($request);\n$response->send();\n\n$kernel->terminate($request, $response);\n",
  )
  tree.set(
    'web/autoload.php',
    "<?php\n\n/**\n * @file\n * Includes the autoloader created by Composer.\n */\n\nreturn require __DIR__ . '/../vendor/autoload.php';\n",
  )
  tree.set(
    'web/update.php',
    "<?php\n\n/**\n * @file\n * The PHP page that handles updating the Drupal installation.\n */\n\nuse Drupal\\Core\\Update\\UpdateKernel;\nuse Symfony\\Component\\HttpFoundation\\Request;\n\n$autoloader = require_once 'autoload.php';\n$kernel = new UpdateKernel('prod', $autoloader, FALSE);\n$request = Request::createFromGlobals();\n$response = $kernel->handle($request);\n$response->send();\n$kernel->terminate($request, $response);\n",
  )
  tree.set(
    'web/robots.txt',
    '# robots.txt\nUser-agent: *\nCrawl-delay: 10\n# Directories\nDisallow: /core/\nDisallow: /profiles/\n# Paths (clean URLs)\nDisallow: /admin/\nDisallow: /user/login/\n',
  )
  tree.set(
    'web/.htaccess',
    '# Apache/PHP/Drupal settings:\n<FilesMatch "\\.(engine|inc|install|make|module|profile|po|sh|.*sql|theme|twig|tpl(\\.php)?|xtmpl|yml)(~|\\.sw[op]|\\.bak|\\.orig|\\.save)?$|composer\\.(json|lock)$">\n  Require all denied\n</FilesMatch>\nOptions -Indexes\nDirectoryIndex index.php index.html index.htm\n<IfModule mod_rewrite.c>\n  RewriteEngine on\n  RewriteCond %{REQUEST_FILENAME} !-f\n  RewriteCond %{REQUEST_FILENAME} !-d\n  RewriteRule ^ index.php [L]\n</IfModule>\n',
  )
  tree.set(
    'web/sites/default/settings.php',
    `<?php\n\n/**\n * Load services definition file.\n */\n$settings['container_yamls'][] = __DIR__ . '/services.yml';\n\n/**\n * Include the Pantheon-specific settings file.\n */\ninclude __DIR__ . "/settings.pantheon.php";\n\n$settings['config_sync_directory'] = '../config/sync';\n$settings['install_profile'] = 'standard';\n$settings['hash_salt'] = '${ctx.random.hex(43)}';\n\n/**\n * If there is a local settings file, then include it.\n */\n$local_settings = __DIR__ . "/settings.local.php";\nif (file_exists($local_settings)) {\n  include $local_settings;\n}\n`,
  )
  tree.set(
    'web/sites/default/settings.pantheon.php',
    "<?php\n\n/**\n * Pantheon-specific settings: database credentials and environment detection.\n */\nif (isset($_ENV['PANTHEON_ENVIRONMENT'])) {\n  $pressflow_settings = json_decode($_SERVER['PRESSFLOW_SETTINGS'], TRUE);\n  foreach ($pressflow_settings as $key => $value) {\n    $settings[$key] = $value;\n  }\n  $settings['file_private_path'] = 'sites/default/files/private';\n  $settings['trusted_host_patterns'][] = '.*';\n}\n",
  )
  tree.set(
    'web/sites/default/services.yml',
    'parameters:\n  session.storage.options:\n    gc_probability: 1\n    gc_divisor: 100\n    gc_maxlifetime: 200000\n    cookie_lifetime: 2000000\n  twig.config:\n    debug: false\n    auto_reload: null\n    cache: true\n',
  )
  tree.set(
    'web/sites/example.settings.local.php',
    "<?php\n\n/**\n * @file\n * Local development override configuration feature.\n */\n$settings['container_yamls'][] = DRUPAL_ROOT . '/sites/development.services.yml';\n$config['system.logging']['error_level'] = 'verbose';\n$settings['cache']['bins']['render'] = 'cache.backend.null';\n",
  )
  tree.set(
    'web/sites/development.services.yml',
    'parameters:\n  http.response.debug_cacheability_headers: true\nservices:\n  cache.backend.null:\n    class: Drupal\\Core\\Cache\\NullBackendFactory\n',
  )
  tree.set(
    'web/core/lib/Drupal.php',
    `<?php\n\n/**\n * @file\n * Contains \\Drupal.\n */\n\n/**\n * Static Service Container wrapper.\n */\nclass Drupal {\n\n  /**\n   * The current system version.\n   */\n  const VERSION = '${version}';\n\n  /**\n   * Core API compatibility.\n   */\n  const CORE_COMPATIBILITY = '8.x';\n\n}\n`,
  )
  for (const [file, description] of DRUPAL_LIB) tree.set(`web/core/lib/Drupal/${file}`, drupalClass(file, description))
  for (const inc of DRUPAL_INCLUDES)
    tree.set(
      `web/core/includes/${inc}`,
      `<?php\n\n/**\n * @file\n * Functions that need to be loaded on every Drupal request (${inc}).\n */\n`,
    )
  for (const [module, description] of DRUPAL_MODULES) {
    tree.set(`web/core/modules/${module}/${module}.info.yml`, drupalInfo(module, description, version))
    tree.set(`web/core/modules/${module}/${module}.module`, drupalModuleFile(module, description))
  }
  const custom = `web/modules/custom/${machine}_custom`
  tree.set(
    `${custom}/${machine}_custom.info.yml`,
    `name: '${label} custom'\ntype: module\ndescription: 'Site-specific tweaks for ${label}.'\ncore_version_requirement: ^8.8 || ^9\npackage: Custom\n`,
  )
  tree.set(
    `${custom}/${machine}_custom.module`,
    `<?php\n\n/**\n * @file\n * Site-specific hooks for ${label}.\n */\n\n/**\n * Implements hook_page_attachments().\n */\nfunction ${machine}_custom_page_attachments(array &$attachments) {\n  $attachments['#attached']['library'][] = '${theme}/global';\n}\n`,
  )
  tree.set(
    `${custom}/${machine}_custom.routing.yml`,
    `${machine}_custom.landing:\n  path: '/start'\n  defaults:\n    _controller: '\\Drupal\\${machine}_custom\\Controller\\LandingController::build'\n    _title: 'Start here'\n  requirements:\n    _permission: 'access content'\n`,
  )
  tree.set(
    `${custom}/src/Controller/LandingController.php`,
    `<?php\n\nnamespace Drupal\\${machine}_custom\\Controller;\n\nuse Drupal\\Core\\Controller\\ControllerBase;\n\n/**\n * Builds the landing page.\n */\nclass LandingController extends ControllerBase {\n\n  /**\n   * Returns a render array for the landing page.\n   */\n  public function build() {\n    return ['#markup' => $this->t('Welcome to ${label}.')];\n  }\n\n}\n`,
  )
  const themeDir = `web/themes/custom/${theme}`
  tree.set(
    `${themeDir}/${theme}.info.yml`,
    `name: '${label} theme'\ntype: theme\ndescription: 'The ${label} front-end theme.'\ncore_version_requirement: ^8.8 || ^9\nbase theme: classy\nlibraries:\n  - ${theme}/global\nregions:\n  header: Header\n  primary_menu: 'Primary menu'\n  content: Content\n  sidebar: Sidebar\n  footer: Footer\n`,
  )
  tree.set(
    `${themeDir}/${theme}.libraries.yml`,
    `global:\n  version: VERSION\n  css:\n    theme:\n      css/base.css: {}\n      css/layout.css: {}\n      css/components.css: {}\n  js:\n    js/global.js: {}\n  dependencies:\n    - core/drupal\n    - core/jquery\n`,
  )
  tree.set(
    `${themeDir}/${theme}.theme`,
    `<?php\n\n/**\n * @file\n * Preprocess functions for the ${label} theme.\n */\n\n/**\n * Implements hook_preprocess_HOOK() for page templates.\n */\nfunction ${theme}_preprocess_page(array &$variables) {\n  $variables['site_label'] = '${label}';\n}\n`,
  )
  tree.set(
    `${themeDir}/css/base.css`,
    `/**\n * @file\n * Base styles for ${label}.\n */\n\nbody {\n  font-family: "Source Sans Pro", Arial, sans-serif;\n  line-height: 1.5;\n  color: #222;\n}\n`,
  )
  tree.set(
    `${themeDir}/css/layout.css`,
    '/**\n * @file\n * Page layout.\n */\n\n.layout-container {\n  max-width: 1200px;\n  margin: 0 auto;\n  padding: 0 16px;\n}\n',
  )
  tree.set(
    `${themeDir}/css/components.css`,
    '/**\n * @file\n * Components.\n */\n\n.card {\n  border: 1px solid #ddd;\n  border-radius: 4px;\n}\n',
  )
  tree.set(
    `${themeDir}/js/global.js`,
    `/**\n * @file\n * Global behaviors for ${label}.\n */\n(function ($, Drupal) {\n  'use strict';\n\n  Drupal.behaviors.${theme}Global = {\n    attach: function (context) {\n      $('body', context).addClass('js-ready');\n    }\n  };\n})(jQuery, Drupal);\n`,
  )
  tree.set(
    `${themeDir}/templates/page.html.twig`,
    '{#\n/**\n * @file\n * Theme override to display a single page.\n */\n#}\n<div class="layout-container">\n  <header role="banner">{{ page.header }}</header>\n  {{ page.primary_menu }}\n  <main role="main">{{ page.content }}</main>\n  {% if page.footer %}<footer role="contentinfo">{{ page.footer }}</footer>{% endif %}\n</div>\n',
  )
  tree.set(
    `${themeDir}/templates/node.html.twig`,
    '{#\n/**\n * @file\n * Theme override to display a node.\n */\n#}\n<article{{ attributes.addClass(\'node\') }}>\n  <h2{{ title_attributes }}><a href="{{ url }}">{{ label }}</a></h2>\n  <div{{ content_attributes }}>{{ content }}</div>\n</article>\n',
  )
  return tree
}

function composerBump(tree: Tree, random: Random): Change {
  const json = JSON.parse(text(tree, 'composer.json')) as { require: Record<string, string> }
  const names = Object.keys(json.require).filter((n) => n.startsWith('drupal/') && n !== 'drupal/core-recommended')
  const name = random.pick(names)
  const current = json.require[name]!.replace(/^[~^]/, '')
  const [major, minor] = current.split('.').map(Number)
  const next = `${major}.${(minor ?? 0) + 1}`
  json.require[name] = `^${next}`
  return {
    message: `chore(deps): update ${name} to ${next}`,
    files: new Map([['composer.json', `${JSON.stringify(json, null, 4)}\n`]]),
  }
}

function drupalEveryday(tree: Tree, ctx: SiteContext): Change {
  const { random, theme, machine } = ctx
  const themeDir = `web/themes/custom/${theme}`
  const kind = random.pick(['css', 'css', 'css', 'js', 'php', 'config', 'config', 'deps', 'docs', 'twig'] as const)
  const subject = `${word(random)} ${word(random)}`
  switch (kind) {
    case 'css': {
      const file = random.pick(filesMatching(tree, (f) => f.startsWith(`${themeDir}/css/`) && f.endsWith('.css')))
      return cssChange(tree, random, file, subject)
    }
    case 'js': {
      const file = `${themeDir}/js/global.js`
      const name = `${word(random)}${titleWords(random, 1)}`
      const behavior = `\n(function ($, Drupal) {\n  Drupal.behaviors.${name} = {\n    attach: function (context) {\n      $('.${slugify(subject)}', context).once('${name}').on('click', function () {\n        $(this).toggleClass('is-open');\n      });\n    }\n  };\n})(jQuery, Drupal);\n`
      return { message: `feat(js): toggle ${subject} panels`, files: new Map([[file, text(tree, file) + behavior]]) }
    }
    case 'php': {
      const file = `web/modules/custom/${machine}_custom/${machine}_custom.module`
      const fn = `${machine}_custom_${word(random)}_${word(random)}`
      const code = `\n/**\n * ${sentence(random)}\n */\nfunction ${fn}(array $items) {\n  return array_filter($items, function ($item) {\n    return !empty($item['${word(random)}']);\n  });\n}\n`
      return {
        message: random.pick([`feat(custom): add ${subject} helper`, `refactor(custom): extract ${subject} filter`]),
        files: new Map([[file, text(tree, file) + code]]),
      }
    }
    case 'config': {
      const id = `${word(random)}_${word(random)}`
      const file = random.chance(0.5)
        ? `config/sync/views.view.${id}.yml`
        : `config/sync/block.block.${theme}_${id}.yml`
      const body = `uuid: ${random.uuid()}\nlangcode: en\nstatus: true\ndependencies:\n  module:\n    - node\nid: ${id}\nlabel: '${titleWords(random, 2)}'\ndescription: '${sentence(random).replace(/'/g, '')}'\nweight: ${random.int(-10, 10)}\n`
      return { message: `chore(config): export ${id.replace('_', ' ')} configuration`, files: new Map([[file, body]]) }
    }
    case 'deps':
      return composerBump(tree, random)
    case 'docs':
      return readmeSection(tree, random, subject)
    case 'twig': {
      const file = random.pick(filesMatching(tree, (f) => f.startsWith(`${themeDir}/templates/`)))
      return {
        message: `fix(templates): ${random.pick(SCOPES_FIX)} ${subject} markup`,
        files: new Map([[file, `${text(tree, file)}{# ${sentence(random)} #}\n`]]),
      }
    }
  }
}

function drupalFeature(tree: Tree, ctx: SiteContext, feature: string, step: number): Change {
  const { random, machine } = ctx
  const module = `${machine}_${feature.replace(/-/g, '_')}`
  const dir = `web/modules/custom/${module}`
  const label = titleWords(new Random(feature), 1) + ' ' + feature.split('-').slice(1).join(' ')
  if (step === 0) {
    return {
      message: `feat(${feature}): scaffold ${module} module`,
      files: new Map([
        [
          `${dir}/${module}.info.yml`,
          `name: '${label}'\ntype: module\ndescription: '${sentence(random).replace(/'/g, '')}'\ncore_version_requirement: ^8.8 || ^9\npackage: Custom\n`,
        ],
        [`${dir}/${module}.module`, `<?php\n\n/**\n * @file\n * Hooks for the ${label} feature.\n */\n`],
      ]),
    }
  }
  if (step === 1) {
    const cls =
      feature
        .split('-')
        .map((p) => p[0]!.toUpperCase() + p.slice(1))
        .join('') + 'Block'
    return {
      message: `feat(${feature}): add ${label.toLowerCase()} block`,
      files: new Map([
        [
          `${dir}/src/Plugin/Block/${cls}.php`,
          `<?php\n\nnamespace Drupal\\${module}\\Plugin\\Block;\n\nuse Drupal\\Core\\Block\\BlockBase;\n\n/**\n * Provides the ${label} block.\n *\n * @Block(\n *   id = "${module}",\n *   admin_label = @Translation("${label}")\n * )\n */\nclass ${cls} extends BlockBase {\n\n  /**\n   * {@inheritdoc}\n   */\n  public function build() {\n    return ['#markup' => $this->t('${sentence(random)}')];\n  }\n\n}\n`,
        ],
      ]),
    }
  }
  const moduleFile = `${dir}/${module}.module`
  const current = tree.has(moduleFile) ? text(tree, moduleFile) : ''
  return {
    message: random.pick([
      `fix(${feature}): handle empty ${word(random)} list`,
      `test(${feature}): cover ${word(random)} edge cases`,
      `feat(${feature}): cache ${word(random)} results`,
    ]),
    files: new Map([
      [
        moduleFile,
        `${current}\n/**\n * ${sentence(random)}\n */\nfunction ${module}_${word(random)}_${step}() {\n  return \\Drupal::cache()->get('${module}:${word(random)}');\n}\n`,
      ],
    ]),
  }
}

export const DRUPAL_KIT: FrameworkKit = {
  name: 'Drupal',
  coreFrom: '8.9.19',
  coreTo: '8.9.20',
  scaffold: drupalScaffold,
  coreUpdate(tree) {
    const files = new Map<string, string>()
    for (const file of filesMatching(
      tree,
      (f) => f.startsWith('web/core/') || f === 'composer.lock' || f === 'composer.json',
    )) {
      const before = text(tree, file)
      const after = before.split(this.coreFrom).join(this.coreTo)
      if (after !== before) files.set(file, after)
    }
    return {
      message: `chore(core): update Drupal core to ${this.coreTo}\n\nSecurity release; see https://www.drupal.org/project/drupal/releases/${this.coreTo}\n`,
      files,
    }
  },
  rename(tree, ctx) {
    const themeDir = `web/themes/custom/${ctx.theme}`
    const from = `${themeDir}/css/components.css`
    const to = `${themeDir}/css/components/cards.css`
    const libraries = `${themeDir}/${ctx.theme}.libraries.yml`
    return {
      message: 'refactor(theme): move card styles into css/components/',
      renames: [[from, to]],
      files: new Map([[libraries, text(tree, libraries).replace('css/components.css', 'css/components/cards.css')]]),
    }
  },
  logoPath: (ctx) => `web/themes/custom/${ctx.theme}/logo.png`,
  faviconPath: (ctx) => `web/themes/custom/${ctx.theme}/favicon.ico`,
  everyday: drupalEveryday,
  featureStep: drupalFeature,
}

// ---------------------------------------------------------------------------------------------
// WordPress (Pantheon's WordPress upstream: core at the root, code in wp-content/)

const WP_INCLUDES = [
  'class-wp-query',
  'class-wp-post',
  'class-wp-user',
  'class-wp-term',
  'class-wp-comment',
  'class-wp-rewrite',
  'class-wp-hook',
  'class-wp-error',
  'class-wp-http',
  'class-wp-theme',
  'class-wp-embed',
  'class-wp-roles',
  'post',
  'query',
  'functions',
  'formatting',
  'plugin',
  'pluggable',
  'user',
  'option',
  'meta',
  'taxonomy',
  'comment',
  'link-template',
  'general-template',
  'cache',
  'load',
  'default-filters',
  'rewrite',
  'shortcodes',
  'media',
  'script-loader',
  'theme',
  'capabilities',
  'kses',
  'l10n',
  'http',
  'cron',
  'rest-api',
  'blocks',
  'nav-menu',
  'widgets',
  'feed',
  'author-template',
  'category-template',
  'post-template',
]
const WP_ADMIN = [
  'index',
  'admin',
  'edit',
  'post',
  'post-new',
  'options-general',
  'users',
  'plugins',
  'themes',
  'upload',
  'tools',
  'update-core',
  'customize',
  'nav-menus',
  'widgets',
]
const WP_ADMIN_INCLUDES = ['admin', 'file', 'plugin', 'post', 'update', 'upgrade', 'template', 'media', 'misc', 'theme']

function wpCoreFile(name: string, version: string): string {
  return `<?php\n/**\n * WordPress ${name.replace(/-/g, ' ')} API.\n *\n * @package WordPress\n * @since 2.${name.length % 9}.0\n * @version ${version}\n */\n\nif ( ! defined( 'ABSPATH' ) ) {\n\texit;\n}\n`
}

function wpScaffold(ctx: SiteContext): Tree {
  const { slug, theme, label, random } = ctx
  const version = WORDPRESS_KIT.coreFrom
  const tree: Tree = new Map()
  tree.set(
    '.gitignore',
    '# Pantheon WordPress\nwp-content/uploads/\nwp-content/cache/\nwp-content/upgrade/\n*.log\n.DS_Store\n',
  )
  tree.set(
    'README.md',
    `# ${label}\n\nWordPress site hosted on Pantheon (dev → test → live).\n\n## Theme\n\nThe custom theme lives in \`wp-content/themes/${theme}\`.\n`,
  )
  tree.set(
    'pantheon.yml',
    'api_version: 1\nphp_version: 7.4\ndatabase:\n  version: 10.4\nenforce_https: transitional\n',
  )
  tree.set('pantheon.upstream.yml', 'api_version: 1\nphp_version: 7.3\n')
  tree.set(
    'license.txt',
    'WordPress - Web publishing software\n\nCopyright 2011-2021 by the contributors\n\nThis program is free software; you can redistribute it and/or modify it under the terms of the GNU General Public License.\n',
  )
  tree.set(
    'readme.html',
    `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>WordPress &rsaquo; ReadMe</title></head>\n<body><h1>WordPress</h1><p>Version ${version}</p></body>\n</html>\n`,
  )
  tree.set(
    'index.php',
    "<?php\n/**\n * Front to the WordPress application.\n *\n * @package WordPress\n */\n\ndefine( 'WP_USE_THEMES', true );\n\nrequire __DIR__ . '/wp-blog-header.php';\n",
  )
  tree.set(
    'wp-blog-header.php',
    "<?php\n/**\n * Loads the WordPress environment and template.\n *\n * @package WordPress\n */\n\nif ( ! isset( $wp_did_header ) ) {\n\t$wp_did_header = true;\n\trequire_once __DIR__ . '/wp-load.php';\n\twp();\n\trequire_once ABSPATH . WPINC . '/template-loader.php';\n}\n",
  )
  tree.set(
    'wp-load.php',
    "<?php\n/**\n * Bootstrap file for setting the ABSPATH constant and loading the wp-config.php file.\n *\n * @package WordPress\n */\n\nif ( ! defined( 'ABSPATH' ) ) {\n\tdefine( 'ABSPATH', __DIR__ . '/' );\n}\nrequire_once ABSPATH . 'wp-config.php';\n",
  )
  tree.set('wp-settings.php', wpCoreFile('settings', version))
  tree.set('wp-login.php', wpCoreFile('login', version))
  tree.set('wp-cron.php', wpCoreFile('cron', version))
  tree.set('xmlrpc.php', wpCoreFile('xmlrpc', version))
  tree.set(
    'wp-config.php',
    `<?php\n/**\n * The base configuration for WordPress on Pantheon.\n *\n * @package WordPress\n */\n\nif ( file_exists( dirname( __FILE__ ) . '/wp-config-local.php' ) && ! isset( $_ENV['PANTHEON_ENVIRONMENT'] ) ) {\n\trequire_once dirname( __FILE__ ) . '/wp-config-local.php';\n} else {\n\trequire_once dirname( __FILE__ ) . '/wp-config-pantheon.php';\n}\n\n$table_prefix = 'wp_';\n\ndefine( 'AUTH_KEY', '${random.hex(64)}' );\ndefine( 'SECURE_AUTH_KEY', '${random.hex(64)}' );\n\nif ( ! defined( 'WP_DEBUG' ) ) {\n\tdefine( 'WP_DEBUG', false );\n}\n\nif ( ! defined( 'ABSPATH' ) ) {\n\tdefine( 'ABSPATH', dirname( __FILE__ ) . '/' );\n}\n\nrequire_once ABSPATH . 'wp-settings.php';\n`,
  )
  tree.set(
    'wp-config-pantheon.php',
    "<?php\n/**\n * Pantheon platform settings.\n */\nif ( isset( $_ENV['PANTHEON_ENVIRONMENT'] ) ) {\n\tdefine( 'DB_NAME', $_ENV['DB_NAME'] );\n\tdefine( 'DB_USER', $_ENV['DB_USER'] );\n\tdefine( 'DB_PASSWORD', $_ENV['DB_PASSWORD'] );\n\tdefine( 'DB_HOST', $_ENV['DB_HOST'] . ':' . $_ENV['DB_PORT'] );\n\tdefine( 'DB_CHARSET', 'utf8' );\n\tdefine( 'DB_COLLATE', '' );\n}\n",
  )
  tree.set(
    'wp-includes/version.php',
    `<?php\n/**\n * WordPress Version\n *\n * @package WordPress\n */\n\n$wp_version = '${version}';\n$wp_db_version = 49752;\n$tinymce_version = '49110-20201110';\n$required_php_version = '5.6.20';\n$required_mysql_version = '5.0';\n`,
  )
  for (const name of WP_INCLUDES) tree.set(`wp-includes/${name}.php`, wpCoreFile(name, version))
  for (const name of WP_ADMIN) tree.set(`wp-admin/${name}.php`, wpCoreFile(`admin ${name}`, version))
  for (const name of WP_ADMIN_INCLUDES)
    tree.set(`wp-admin/includes/${name}.php`, wpCoreFile(`admin includes ${name}`, version))
  tree.set('wp-content/index.php', '<?php\n// Silence is golden.\n')
  tree.set(
    'wp-content/mu-plugins/pantheon-mu-plugin.php',
    "<?php\n/**\n * Plugin Name: Pantheon\n * Description: Building on Pantheon's and WordPress's strengths, together.\n */\n\nif ( isset( $_ENV['PANTHEON_ENVIRONMENT'] ) ) {\n\trequire_once 'pantheon/pantheon-page-cache.php';\n}\n",
  )
  const themeDir = `wp-content/themes/${theme}`
  tree.set(
    `${themeDir}/style.css`,
    `/*\nTheme Name: ${label}\nAuthor: The ${label} web team\nDescription: Custom theme for ${label}.\nVersion: 1.0.0\nText Domain: ${theme}\n*/\n`,
  )
  tree.set(
    `${themeDir}/functions.php`,
    `<?php\n/**\n * ${label} theme functions.\n *\n * @package ${theme}\n */\n\nfunction ${theme.replace(/-/g, '_')}_enqueue_assets() {\n\twp_enqueue_style( '${theme}-main', get_template_directory_uri() . '/assets/css/main.css', array(), '1.0.0' );\n\twp_enqueue_script( '${theme}-main', get_template_directory_uri() . '/assets/js/main.js', array( 'jquery' ), '1.0.0', true );\n}\nadd_action( 'wp_enqueue_scripts', '${theme.replace(/-/g, '_')}_enqueue_assets' );\n`,
  )
  tree.set(
    `${themeDir}/header.php`,
    `<!doctype html>\n<html <?php language_attributes(); ?>>\n<head>\n<meta charset="<?php bloginfo( 'charset' ); ?>">\n<?php wp_head(); ?>\n</head>\n<body <?php body_class(); ?>>\n<header class="site-header"><?php the_custom_logo(); ?></header>\n`,
  )
  tree.set(
    `${themeDir}/footer.php`,
    `<footer class="site-footer">&copy; <?php echo esc_html( date( 'Y' ) ); ?> ${label}</footer>\n<?php wp_footer(); ?>\n</body>\n</html>\n`,
  )
  tree.set(
    `${themeDir}/index.php`,
    "<?php get_header(); ?>\n<main>\n<?php while ( have_posts() ) : the_post(); ?>\n\t<?php get_template_part( 'template-parts/content' ); ?>\n<?php endwhile; ?>\n</main>\n<?php get_footer(); ?>\n",
  )
  tree.set(
    `${themeDir}/single.php`,
    "<?php get_header(); ?>\n<main class=\"single\">\n<?php the_post(); the_title( '<h1>', '</h1>' ); the_content(); ?>\n</main>\n<?php get_footer(); ?>\n",
  )
  tree.set(
    `${themeDir}/page.php`,
    '<?php get_header(); ?>\n<main class="page">\n<?php the_post(); the_content(); ?>\n</main>\n<?php get_footer(); ?>\n',
  )
  tree.set(
    `${themeDir}/template-parts/content.php`,
    '<article id="post-<?php the_ID(); ?>" <?php post_class(); ?>>\n\t<h2><a href="<?php the_permalink(); ?>"><?php the_title(); ?></a></h2>\n\t<?php the_excerpt(); ?>\n</article>\n',
  )
  tree.set(`${themeDir}/assets/css/main.css`, 'body {\n  font-family: Georgia, serif;\n  line-height: 1.6;\n}\n')
  tree.set(
    `${themeDir}/assets/js/main.js`,
    "(function ($) {\n  'use strict';\n  $(function () {\n    $('body').addClass('js-ready');\n  });\n})(jQuery);\n",
  )
  const plugin = `wp-content/plugins/${slug}-custom`
  tree.set(
    `${plugin}/${slug}-custom.php`,
    `<?php\n/**\n * Plugin Name: ${label} Custom\n * Description: Site-specific functionality for ${label}.\n * Version: 1.0.0\n */\n\nif ( ! defined( 'ABSPATH' ) ) {\n\texit;\n}\n\nrequire_once __DIR__ . '/includes/class-${slug}-custom.php';\n`,
  )
  tree.set(
    `${plugin}/includes/class-${slug}-custom.php`,
    `<?php\n/**\n * Main plugin class.\n *\n * @package ${slug}-custom\n */\n\nclass ${machineClass(slug)}_Custom {\n\n\tpublic function register() {\n\t\tadd_action( 'init', array( $this, 'register_post_types' ) );\n\t}\n}\n`,
  )
  return tree
}

function machineClass(slug: string): string {
  return slug
    .split('-')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('_')
}

function wpEveryday(tree: Tree, ctx: SiteContext): Change {
  const { random, theme, slug } = ctx
  const themeDir = `wp-content/themes/${theme}`
  const kind = random.pick(['css', 'css', 'css', 'js', 'php', 'php', 'plugin', 'template', 'docs'] as const)
  const subject = `${word(random)} ${word(random)}`
  switch (kind) {
    case 'css': {
      const file = random.pick(
        filesMatching(tree, (f) => f.startsWith(`${themeDir}/assets/css/`) && f.endsWith('.css')),
      )
      return cssChange(tree, random, file, subject)
    }
    case 'js': {
      const file = random.pick(filesMatching(tree, (f) => f.startsWith(`${themeDir}/assets/js/`) && f.endsWith('.js')))
      const snippet = `\n(function ($) {\n  $('.${slugify(subject)}').on('click', function () {\n    $(this).toggleClass('is-open');\n  });\n})(jQuery);\n`
      return { message: `feat(js): toggle ${subject} panels`, files: new Map([[file, text(tree, file) + snippet]]) }
    }
    case 'php': {
      const file = `${themeDir}/functions.php`
      const fn = `${theme.replace(/-/g, '_')}_${word(random)}_${word(random)}`
      const code = `\n/**\n * ${sentence(random)}\n */\nfunction ${fn}( $content ) {\n\treturn str_replace( '${word(random)}', '<strong>${word(random)}</strong>', $content );\n}\nadd_filter( 'the_content', '${fn}' );\n`
      return {
        message: random.pick([
          `feat(theme): highlight ${subject} in content`,
          `refactor(theme): extract ${subject} filter`,
        ]),
        files: new Map([[file, text(tree, file) + code]]),
      }
    }
    case 'plugin': {
      const file = `wp-content/plugins/${slug}-custom/${slug}-custom.php`
      const current = text(tree, file)
      const version = /Version: (\d+)\.(\d+)\.(\d+)/.exec(current)
      const next = version ? `${version[1]}.${version[2]}.${Number(version[3]) + 1}` : '1.0.1'
      const updated =
        current.replace(/Version: [\d.]+/, `Version: ${next}`) +
        `\n// ${sentence(random)}\nadd_filter( '${word(random)}_${word(random)}', '__return_true' );\n`
      return { message: `feat(plugin): ${subject} filter (v${next})`, files: new Map([[file, updated]]) }
    }
    case 'template': {
      const file = random.pick(
        filesMatching(tree, (f) => f.startsWith(themeDir) && f.endsWith('.php') && f !== `${themeDir}/functions.php`),
      )
      return {
        message: `fix(templates): ${random.pick(SCOPES_FIX)} ${subject} markup`,
        files: new Map([[file, `${text(tree, file)}<?php // ${sentence(random)} ?>\n`]]),
      }
    }
    case 'docs':
      return readmeSection(tree, random, subject)
  }
}

function wpFeature(tree: Tree, ctx: SiteContext, feature: string, step: number): Change {
  const { random, theme } = ctx
  const themeDir = `wp-content/themes/${theme}`
  const part = `${themeDir}/template-parts/${feature}.php`
  const css = `${themeDir}/assets/css/${feature}.css`
  if (step === 0) {
    return {
      message: `feat(${feature}): add ${feature.replace(/-/g, ' ')} template part`,
      files: new Map([
        [
          part,
          `<?php\n/**\n * Template part: ${feature}.\n *\n * @package ${theme}\n */\n?>\n<section class="${feature}">\n\t<h2><?php esc_html_e( '${titleWords(random, 2)}', '${theme}' ); ?></h2>\n</section>\n`,
        ],
      ]),
    }
  }
  if (step === 1) {
    return {
      message: `style(${feature}): style the ${feature.replace(/-/g, ' ')} section`,
      files: new Map([[css, `.${feature} {\n  padding: ${random.int(8, 40)}px;\n}\n${cssRule(random)}`]]),
    }
  }
  const current = tree.has(part) ? text(tree, part) : ''
  return {
    message: random.pick([
      `fix(${feature}): escape ${word(random)} output`,
      `feat(${feature}): show ${word(random)} list`,
    ]),
    files: new Map([[part, `${current}<?php // ${sentence(random)} ?>\n`]]),
  }
}

export const WORDPRESS_KIT: FrameworkKit = {
  name: 'WordPress',
  coreFrom: '5.8.1',
  coreTo: '5.8.2',
  scaffold: wpScaffold,
  coreUpdate(tree) {
    const files = new Map<string, string>()
    for (const file of filesMatching(tree, (f) => !f.startsWith('wp-content/'))) {
      const before = text(tree, file)
      const after = before.split(this.coreFrom).join(this.coreTo)
      if (after !== before) files.set(file, after)
    }
    return { message: `chore(core): update WordPress to ${this.coreTo}\n\nSecurity and maintenance release.\n`, files }
  },
  rename(tree, ctx) {
    const themeDir = `wp-content/themes/${ctx.theme}`
    const functions = `${themeDir}/functions.php`
    return {
      message: 'refactor(theme): rename main.js to site.js',
      renames: [[`${themeDir}/assets/js/main.js`, `${themeDir}/assets/js/site.js`]],
      files: new Map([[functions, text(tree, functions).replace('/assets/js/main.js', '/assets/js/site.js')]]),
    }
  },
  logoPath: (ctx) => `wp-content/themes/${ctx.theme}/assets/images/logo.png`,
  faviconPath: (ctx) => `wp-content/themes/${ctx.theme}/favicon.ico`,
  everyday: wpEveryday,
  featureStep: wpFeature,
}

/** The kit for a framework. */
export function kitFor(framework: Framework): FrameworkKit {
  return framework === 'drupal8' ? DRUPAL_KIT : WORDPRESS_KIT
}
