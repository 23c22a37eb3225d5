// Pieces the pages share.
import type { ComponentChildren } from 'preact';

/** The page's heading with a loading/error line under it. */
export function Section({ title, error, loading, children }: { title: ComponentChildren; error: string | null; loading: boolean; children?: ComponentChildren }) {
  return (
    <section>
      <h2>{title}</h2>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {loading && error === null ? <p aria-busy="true">Loading…</p> : children}
    </section>
  );
}

/** Link to a page by its hash route parts (each part encoded). */
export function href(...parts: (string | number)[]): string {
  return `#/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`;
}
