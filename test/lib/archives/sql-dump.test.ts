/**
 * The dump reader on its own: the same answer wherever the bytes are cut, tables and rows
 * counted past what only looks like SQL (inside strings, comments), the INSERT forms mysqldump
 * and people write, and dumps that end where no dump ends.
 */
import { describe, expect, it } from 'vitest'
import { DumpStage } from '../../../src/lib/archives/sql-dump'
import { ImportRefusalError } from '../../../src/lib/archives'
import { DUMP_TABLES, MARIADB_DUMP_11_4 } from './dumps'

async function read(text: string | Buffer, piece = Infinity) {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text)
  const stage = new DumpStage()
  for (let at = 0; at < bytes.length; at += piece) stage.write(bytes.subarray(at, Math.min(bytes.length, at + piece)))
  const summary = await stage.end()
  return { summary, failure: stage.failure as ImportRefusalError | undefined }
}

describe('DumpStage', () => {
  it('gives the same answer wherever the pieces are cut, down to one byte', async () => {
    const whole = await read(MARIADB_DUMP_11_4)
    expect(whole.summary).toEqual({
      tool: 'mariadb-dump',
      serverVersion: '11.4.2-MariaDB-ubu2404',
      tables: DUMP_TABLES,
      bytes: Buffer.byteLength(MARIADB_DUMP_11_4),
    })
    for (const piece of [1, 2, 3, 7, 64, 511])
      expect((await read(MARIADB_DUMP_11_4, piece)).summary).toEqual(whole.summary)
  })

  it('counts rows and tables of every INSERT form, and nothing inside strings or comments', async () => {
    const dump = [
      'SET NAMES utf8mb4;',
      "CREATE TABLE IF NOT EXISTS `my table` (id int, note text COMMENT 'a ( and a ; and -- too');",
      'CREATE TABLE `site`.`prefixed``name` (id int);',
      "INSERT INTO `my table` VALUES (1,'x'),(2,'CREATE TABLE `fake` (id int);'),(3,'(((');",
      'INSERT IGNORE INTO `my table` (`id`, `note`) VALUES (4,\'it\'\'s\'),(5,"say \\"hi\\" (");',
      "REPLACE INTO `my table` VALUES (6,'\\\\'),(7,'back\\\\slash');",
      "INSERT INTO data_only VALUES (1,'a') ON DUPLICATE KEY UPDATE note=VALUES(note);",
      "INSERT INTO `my table` -- the user's rows\n VALUES (8,NULL) /* a (comment) */ ,(9,-1);",
      "# a MySQL comment with a quote '",
      '/*!40000 ALTER TABLE `my table` ENABLE KEYS */;',
      'DELIMITER ;;',
      "CREATE PROCEDURE p() BEGIN SELECT 'x;'; END ;;",
      'DELIMITER ;',
      '',
    ].join('\n')
    for (const piece of [Infinity, 1, 5]) {
      const { summary, failure } = await read(dump, piece)
      expect(failure).toBeUndefined()
      expect(summary?.tables).toEqual([
        { name: 'my table', rows: 9 },
        { name: 'prefixed`name', rows: 0 },
        { name: 'data_only', rows: 1 },
      ])
    }
  })

  it('reads table names in UTF-8', async () => {
    const { summary } = await read('CREATE TABLE `käse_größe` (id int);\nINSERT INTO `käse_größe` VALUES (1);\n')
    expect(summary?.tables).toEqual([{ name: 'käse_größe', rows: 1 }])
  })

  it('refuses a dump that ends inside a string, a comment or a row', async () => {
    for (const [text, inside] of [
      ["INSERT INTO t VALUES (1,'unfinished", 'a quoted string'],
      ['SET NAMES utf8;\n/*!40101 SET', 'a /* comment */'],
      ['INSERT INTO t VALUES (1,2', 'a parenthesis that never closes'],
    ] as const) {
      const { summary, failure } = await read(text)
      expect(summary).toBeUndefined()
      expect(failure).toBeInstanceOf(ImportRefusalError)
      expect(failure?.code).toBe('truncated')
      expect(failure?.problem).toContain(`ends inside ${inside}`)
    }
    // A last statement without its semicolon is fine: the mysql client runs it too.
    expect((await read('SET NAMES utf8;\nINSERT INTO t VALUES (1)')).summary?.tables).toEqual([{ name: 't', rows: 1 }])
  })

  it('refuses a NUL byte anywhere, naming where', async () => {
    const start = `SET NAMES utf8;\n${"INSERT INTO t VALUES ('abc');\n".repeat(4000)}`
    const bytes = Buffer.concat([Buffer.from(start), Buffer.from([0]), Buffer.from('\n')])
    const { failure } = await read(bytes, 4096)
    expect(failure?.code).toBe('not_sql')
    expect(failure?.problem).toContain(`a NUL byte at byte ${Buffer.byteLength(start).toLocaleString('en-US')}`)
  })
})
