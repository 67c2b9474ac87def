/**
 * Finds elements the way a person with a screen reader (and the acceptance checks) names them:
 * by role and accessible name. A small subset of WAI-ARIA's role mapping and name computation,
 * enough for the page's own markup (aria-labelledby, aria-label, label[for], a wrapping label,
 * text content without aria-hidden parts), so tests fail when a control loses its name.
 */

function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** The text a person hears for an element's content: aria-hidden parts and form controls' own values left out. */
function textOf(node: Node): string {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? ''
  if (!(node instanceof Element)) return ''
  if (node.getAttribute('aria-hidden') === 'true') return ''
  if (node instanceof HTMLInputElement || node instanceof HTMLSelectElement || node instanceof HTMLTextAreaElement)
    return ''
  const label = node.getAttribute('aria-label')
  if (label) return ` ${label} `
  return [...node.childNodes].map(textOf).join(node instanceof HTMLElement && isBlock(node) ? ' ' : '')
}

function isBlock(element: HTMLElement): boolean {
  return /^(DIV|P|LI|SECTION|H[1-6]|HEADER|FOOTER|TD|TH|TR|BR)$/.test(element.tagName)
}

function isLabelable(element: Element): boolean {
  return (
    element instanceof HTMLInputElement ||
    element instanceof HTMLSelectElement ||
    element instanceof HTMLTextAreaElement ||
    element instanceof HTMLButtonElement
  )
}

/** The accessible name, as far as this page needs it computed. */
export function accessibleName(element: Element): string {
  const labelledBy = element.getAttribute('aria-labelledby')
  if (labelledBy) {
    const document = element.ownerDocument
    return normalize(
      labelledBy
        .split(/\s+/)
        .map((id) => document.getElementById(id))
        .map((target) => (target ? textOf(target) : ''))
        .join(' '),
    )
  }
  const label = element.getAttribute('aria-label')
  if (label) return normalize(label)
  if (isLabelable(element) && !(element instanceof HTMLButtonElement)) {
    const id = element.getAttribute('id')
    const byFor = id ? element.ownerDocument.querySelector(`label[for="${CSS.escape(id)}"]`) : null
    const wrapping = element.closest('label')
    const source = byFor ?? wrapping
    return source ? normalize(textOf(source)) : ''
  }
  return normalize(textOf(element))
}

/** The element's role: its `role` attribute, else the one its tag implies. */
export function roleOf(element: Element): string | null {
  const explicit = element.getAttribute('role')
  if (explicit) return explicit.split(/\s+/)[0] ?? null
  const tag = element.tagName
  if (tag === 'BUTTON') return 'button'
  if (tag === 'A' && element.hasAttribute('href')) return 'link'
  if (tag === 'SELECT') return 'combobox'
  if (tag === 'TEXTAREA') return 'textbox'
  if (tag === 'INPUT') {
    const type = (element.getAttribute('type') ?? 'text').toLowerCase()
    if (type === 'checkbox') return 'checkbox'
    if (type === 'radio') return 'radio'
    if (type === 'number') return 'spinbutton'
    if (type === 'text' || type === 'search' || type === 'url' || type === '') return 'textbox'
    return null
  }
  if (/^H[1-6]$/.test(tag)) return 'heading'
  if (tag === 'SECTION')
    return element.hasAttribute('aria-labelledby') || element.hasAttribute('aria-label') ? 'region' : null
  if (tag === 'ASIDE') return 'complementary'
  if (tag === 'UL' || tag === 'OL') return 'list'
  if (tag === 'LI') return 'listitem'
  if (tag === 'TABLE') return 'table'
  return null
}

export type NameMatch = string | RegExp

function matches(name: string, expected: NameMatch | undefined): boolean {
  if (expected === undefined) return true
  return typeof expected === 'string' ? name === expected : expected.test(name)
}

/** Every element under `root` with this role (and name). */
export function queryAllByRole(root: Element, role: string, name?: NameMatch): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>('*')].filter(
    (element) => roleOf(element) === role && matches(accessibleName(element), name),
  )
}

/** The one element with this role and name; throws, listing what there is, when none or several match. */
export function getByRole(root: Element, role: string, name?: NameMatch): HTMLElement {
  const found = queryAllByRole(root, role, name)
  if (found.length === 1) return found[0]!
  const present = queryAllByRole(root, role).map((element) => JSON.stringify(accessibleName(element)))
  throw new Error(
    `${found.length === 0 ? 'No' : `${found.length}`} ${role} named ${String(name)}; the ${role}s there: ${present.join(', ') || 'none'}`,
  )
}

/** The element a control's aria-describedby points at, joined as text. */
export function descriptionOf(element: Element): string {
  const ids = element.getAttribute('aria-describedby')
  if (!ids) return ''
  return normalize(
    ids
      .split(/\s+/)
      .map((id) => element.ownerDocument.getElementById(id)?.textContent ?? '')
      .join(' '),
  )
}
