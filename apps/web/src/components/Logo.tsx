export function Logo({ className = "" }: { className?: string }) {
  return (
    <span className={`inline-flex items-center gap-2 font-semibold tracking-tight ${className}`}>
      <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
        <rect x="2" y="4" width="20" height="4" rx="2" className="fill-brand-500" />
        <rect x="2" y="10" width="14" height="4" rx="2" className="fill-brand-400" />
        <rect x="2" y="16" width="8" height="4" rx="2" className="fill-brand-300" />
      </svg>
      Sluice
    </span>
  );
}
