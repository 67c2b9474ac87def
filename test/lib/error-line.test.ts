import { describe, expect, it } from 'vitest'
import { errorLogLine } from '../../src/lib/error-line'

describe('errorLogLine', () => {
  it('gives name, message and the first stack frame on one line', () => {
    const line = errorLogLine(new TypeError('two\nlines'))
    expect(line).toMatch(/^TypeError: two lines \(at .*error-line\.test\.ts:\d+:\d+\)\)?$/)
    expect(line).not.toContain('\n')
  })

  it('says what a thrown non-error is', () => {
    expect(errorLogLine('plain\ttext')).toBe('plain text')
    expect(errorLogLine(undefined)).toBe('undefined')
  })
})
