import { Dialog } from "@/components/forms/Dialog";

const SHORTCUTS: [string, string][] = [
  ["Delete / Backspace", "Delete selected nodes and edges"],
  ["Ctrl/⌘ + C", "Copy selection"],
  ["Ctrl/⌘ + V", "Paste"],
  ["Ctrl/⌘ + D", "Duplicate selection"],
  ["Ctrl/⌘ + A", "Select all nodes"],
  ["Ctrl/⌘ + Z", "Undo"],
  ["Ctrl/⌘ + Shift + Z, Ctrl + Y", "Redo"],
  ["Ctrl/⌘ + S", "Save now"],
  ["Shift + L", "Auto-layout"],
  ["Shift + F", "Zoom to fit"],
  ["Shift/Ctrl + click", "Add to selection"],
  ["?", "This help"],
];

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
        {SHORTCUTS.map(([keys, what]) => (
          <div key={keys} className="contents">
            <dt>
              <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs dark:border-slate-700 dark:bg-slate-800">
                {keys}
              </kbd>
            </dt>
            <dd className="text-slate-600 dark:text-slate-300">{what}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
