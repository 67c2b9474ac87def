/**
 * Drag and drop of files onto one element (the environment panel): `dragging` while files are
 * held over it, and the dropped files, folders told apart, handed to `onFiles`. Drops of files
 * elsewhere on the page are refused, since the browser would otherwise open the file in place
 * of the app. Listeners are removed when the owning scope ends.
 */
import { onScopeDispose, ref } from 'vue'
import { carriesFiles, dropEntries, resolvePicks, type ImportPick } from '../lib/file-drop'

export function useFileDrop(onFiles: (picks: ImportPick[]) => void) {
  const dragging = ref(false)
  // dragenter and dragleave fire for every child crossed: only the outermost leave ends the drag.
  let depth = 0

  function dragenter(event: DragEvent): void {
    if (!carriesFiles(event.dataTransfer)) return
    event.preventDefault()
    depth += 1
    dragging.value = true
  }

  function dragover(event: DragEvent): void {
    if (!carriesFiles(event.dataTransfer)) return
    event.preventDefault()
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy'
    dragging.value = true
  }

  function dragleave(event: DragEvent): void {
    if (!carriesFiles(event.dataTransfer)) return
    depth = Math.max(0, depth - 1)
    if (depth === 0) dragging.value = false
  }

  async function drop(event: DragEvent): Promise<void> {
    const transfer = event.dataTransfer
    if (!transfer || !carriesFiles(transfer)) return
    event.preventDefault()
    depth = 0
    dragging.value = false
    const picks = await resolvePicks(dropEntries(transfer))
    if (picks.length > 0) onFiles(picks)
  }

  // Bubbles up after the element's own handlers: a drop they took is already default-prevented.
  function guard(event: DragEvent): void {
    if (event.defaultPrevented || !carriesFiles(event.dataTransfer)) return
    event.preventDefault()
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'none'
  }
  window.addEventListener('dragover', guard)
  window.addEventListener('drop', guard)
  onScopeDispose(() => {
    window.removeEventListener('dragover', guard)
    window.removeEventListener('drop', guard)
  })

  return { dragging, handlers: { dragenter, dragover, dragleave, drop } }
}
