import { createPinia } from 'pinia'
import { createApp } from 'vue'
// First, so the components' own styles come after the tokens and resets they build on.
import './styles/base.css'
import App from './App.vue'
import { createAppRouter } from './router'
import { applyStoredTheme } from './stores/theme'

// Before mounting, so a pinned theme is there for the first paint (the OS's needs no script).
applyStoredTheme()

createApp(App).use(createPinia()).use(createAppRouter()).mount('#app')
