/**
 * Demo content for the embedded platform's seeded sites: git history, database dumps and
 * files trees for Drupal 8 and WordPress, generated locally and deterministically.
 */
export { generateDemoHistory, type DemoCommit } from './history'
export { demoDatabaseSql } from './database'
export { writeDemoFiles } from './files'
export { encodePng, demoPng, crc32, PNG_SIGNATURE } from './png'
export { demoPdf } from './pdf'
export type { Framework } from './kits'
