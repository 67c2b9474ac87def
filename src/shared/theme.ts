/**
 * The person's colour theme choice: follow the OS, or always light, or always dark. The page
 * keeps it (localStorage) and tells main, whose native parts (menus, dialogs, title bar) follow.
 */
import { z } from 'zod'

export const themeChoiceSchema = z.enum(['system', 'light', 'dark'])
export type ThemeChoice = z.infer<typeof themeChoiceSchema>
