/**
 * Small but realistic dump texts, written as the tools write them: the opening lines of
 * `mysqldump` 8.0, `mariadb-dump` 10.11 and 11.4 (whose first line is the sandbox-mode comment),
 * a `--compact` dump, phpMyAdmin's export, and PostgreSQL's `pg_dump` plain and custom formats
 * for the refusals.
 */

/** A table and its rows as mysqldump writes them (extended INSERTs). */
function tableSection(name: string, rows: readonly string[]): string {
  return `--
-- Table structure for table \`${name}\`
--

DROP TABLE IF EXISTS \`${name}\`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE \`${name}\` (
  \`id\` bigint unsigned NOT NULL AUTO_INCREMENT,
  \`value\` longtext COLLATE utf8mb4_unicode_ci NOT NULL COMMENT 'the option''s value (serialized; may hold ";")',
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB AUTO_INCREMENT=${rows.length + 1} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table \`${name}\`
--

LOCK TABLES \`${name}\` WRITE;
/*!40000 ALTER TABLE \`${name}\` DISABLE KEYS */;
${rows.length > 0 ? `INSERT INTO \`${name}\` VALUES ${rows.join(',')};\n` : ''}/*!40000 ALTER TABLE \`${name}\` ENABLE KEYS */;
UNLOCK TABLES;
`
}

const SESSION = `/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

`

const TABLES =
  tableSection('wp_options', [
    `(1,'siteurl')`,
    `(2,'a:2:{s:4:\\"home\\";s:26:\\"https://dev-site.example/\\";s:1:\\"x\\";s:3:\\"(;)\\";}')`,
    `(3,'it\\'s ''quoted'' -- not a comment')`,
  ]) +
  tableSection('wp_posts', [`(1,'CREATE TABLE \`fake\` (id int);')`, `(2,'<p>Hello (world)</p>\\n')`]) +
  tableSection('wp_empty', [])

const FOOTER = `/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2026-11-30 16:00:04
`

/** The tables of the dumps below, as the inspection should list them. */
export const DUMP_TABLES = [
  { name: 'wp_options', rows: 3 },
  { name: 'wp_posts', rows: 2 },
  { name: 'wp_empty', rows: 0 },
]

export const MYSQLDUMP_8 = `-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: 127.0.0.1    Database: wordpress
-- ------------------------------------------------------
-- Server version\t8.0.36

${SESSION}${TABLES}${FOOTER}`

export const MARIADB_DUMP_10_11 = `-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: drupal
-- ------------------------------------------------------
-- Server version\t10.11.6-MariaDB-0+deb12u1

${SESSION}${TABLES}${FOOTER}`

/** Current MariaDB: the sandbox-mode line comes first. */
export const MARIADB_DUMP_11_4 = `/*M!999999\\- enable the sandbox mode */ 
-- MariaDB dump 10.19-11.4.2-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: drupal
-- ------------------------------------------------------
-- Server version\t11.4.2-MariaDB-ubu2404

${SESSION}${TABLES}${FOOTER}`

/** `mysqldump --compact`: no comments, no DROP or LOCK, straight to the statements. */
export const COMPACT_DUMP = `/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE \`wp_users\` (
  \`ID\` bigint unsigned NOT NULL AUTO_INCREMENT,
  \`user_login\` varchar(60) NOT NULL DEFAULT '',
  PRIMARY KEY (\`ID\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
/*!40101 SET character_set_client = @saved_cs_client */;
INSERT INTO \`wp_users\` VALUES (1,'admin'),(2,'editor');
`

export const PHPMYADMIN_DUMP = `-- phpMyAdmin SQL Dump
-- version 5.2.1
-- https://www.phpmyadmin.net/
--
-- Host: 127.0.0.1
-- Generation Time: Nov 30, 2026 at 04:00 PM
-- Server version: 10.4.28-MariaDB
-- PHP Version: 8.2.4

SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";
START TRANSACTION;
SET time_zone = "+00:00";

${TABLES}COMMIT;
`

export const POSTGRES_PLAIN = `--
-- PostgreSQL database dump
--

-- Dumped from database version 16.2
-- Dumped by pg_dump version 16.2

SET statement_timeout = 0;
SET lock_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

CREATE TABLE public.users (
    id integer NOT NULL
);
`

/** The start of `pg_dump -Fc` output: 'PGDMP', the format version, sizes. */
export const POSTGRES_CUSTOM = Buffer.concat([Buffer.from('PGDMP'), Buffer.from([1, 15, 0, 4, 8, 1, 1, 1, 0, 0, 0])])

export const SQLITE = Buffer.concat([
  Buffer.from('SQLite format 3\0'),
  Buffer.from([0x10, 0x00, 0x01, 0x01]),
  Buffer.alloc(80),
])

export const HTML_ERROR_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><title>403 Forbidden</title></head>
<body><h1>Forbidden</h1><p>Request has expired.</p></body>
</html>
`
