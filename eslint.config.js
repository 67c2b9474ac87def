// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import globals from 'globals'

const ELECTRON_PATHS = [
  {
    name: 'electron',
    message: 'Only src/main/index.ts, window.ts, the preload and electron-*.ts adapters import electron.',
  },
  { name: 'electron-dl', message: 'Use it only from an electron-*.ts adapter.' },
]

/**
 * The import boundaries of one area of the tree.
 * @param {string[]} files
 * @param {{ electron: boolean, patterns?: object[] }} rules
 */
function restrictImports(files, { electron, patterns = [] }) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { paths: electron ? ELECTRON_PATHS : [], patterns }],
    },
  }
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // Formatting belongs to Prettier.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,vue}', 'test/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // One no-restricted-imports entry per area: flat config replaces a rule's options rather than
  // merging them, so each area repeats the Electron ban beside its own boundaries.
  restrictImports(['src/**/*.{ts,vue}'], { electron: true }),
  restrictImports(['src/main/**/*.ts'], {
    electron: true,
    patterns: [
      {
        regex: '(^|/)platform/(?!index$).+',
        message:
          'src/main imports from src/platform only its entry (src/platform/index.ts); shared code goes in src/lib.',
      },
    ],
  }),
  restrictImports(['src/main/index.ts', 'src/main/window.ts', 'src/main/**/electron-*.ts'], {
    electron: false,
    patterns: [
      {
        regex: '(^|/)platform/(?!index$).+',
        message:
          'src/main imports from src/platform only its entry (src/platform/index.ts); shared code goes in src/lib.',
      },
    ],
  }),
  restrictImports(['src/preload/index.ts'], { electron: false }),
  restrictImports(['src/platform/**/*.ts', 'src/lib/**/*.ts'], {
    electron: true,
    patterns: [{ regex: '(^|/)main(/|$)', message: 'The platform and src/lib never import the app (src/main).' }],
  }),
  restrictImports(['src/shared/**/*.ts'], {
    electron: true,
    patterns: [
      {
        group: ['node:*', 'fs', 'path', 'os', 'crypto'],
        message: 'src/shared imports neither electron nor node.',
      },
    ],
  }),
  restrictImports(['src/renderer/src/components/**/*.{ts,vue}', 'src/renderer/src/views/**/*.{ts,vue}'], {
    electron: true,
    // Components and views show state; stores talk to the API client.
    patterns: [
      { regex: '(^|/)api/(client|http-bridge)(\\.[jt]s)?$', message: 'Components never call the API; use a store.' },
    ],
  }),
  {
    files: ['src/renderer/**/*.{ts,vue}'],
    rules: {
      'no-restricted-globals': ['error', { name: 'ipcRenderer', message: 'Use the typed client in api/client.ts.' }],
    },
  },
)
