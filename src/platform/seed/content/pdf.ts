/**
 * A minimal valid PDF (one page of Helvetica text) with a correct cross-reference table. It
 * writes the format and never parses one; hand-written because no dependency of the project
 * makes PDFs and a demo document needs only a few fixed objects.
 */

function escapePdfText(text: string): string {
  return text.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?')
}

/** A one-page PDF with a title and lines of text. */
export function demoPdf(title: string, lines: readonly string[]): Buffer {
  const textOps = [`BT /F1 18 Tf 56 780 Td (${escapePdfText(title)}) Tj ET`]
  lines.slice(0, 40).forEach((line, i) => {
    textOps.push(`BT /F1 11 Tf 56 ${748 - i * 16} Td (${escapePdfText(line.slice(0, 95))}) Tj ET`)
  })
  const stream = textOps.join('\n')
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Title (${escapePdfText(title)}) /Producer (Restore Desk demo content) >>`,
  ]
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n'
  const offsets: number[] = []
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'))
    body += `${i + 1} 0 obj\n${object}\nendobj\n`
  })
  const xref = Buffer.byteLength(body, 'latin1')
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${objects.length} 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(body, 'latin1')
}
