// The one pager: earlier and later pages, with page numbers when the list knows its length;
// and the cursor bookkeeping of a list that pages forward by `after`.
import { useState } from "react";
import { getFragmentData, graphql, type FragmentType } from "../gql";

/** What a list paged forward by cursor needs of its `pageInfo`. */
const NEXT_PAGE = graphql(`
  fragment NextPage on PageInfo {
    hasNextPage
    endCursor
  }
`);

/** Up to 7 page numbers around `current` (0-based), always with the first and the last. */
export function pageWindow(current: number, pages: number): number[] {
  const start = Math.max(0, Math.min(current - 3, pages - 7));
  const window = Array.from({ length: Math.min(7, pages) }, (_, i) => start + i);
  if (window[0] !== 0) window[0] = 0;
  if (window[window.length - 1] !== pages - 1) window[window.length - 1] = pages - 1;
  return window;
}

interface PagerProps {
  /** Names the navigation: "Pages of users". */
  label: string;
  /** Absent when there is no earlier page. */
  onPrevious?: () => void;
  /** Absent when there is no later page. */
  onNext?: () => void;
  previousText?: string;
  nextText?: string;
  /** Numbered pages (0-based), for a list that knows how long it is. */
  numbers?: { current: number; count: number; onPage: (page: number) => void };
}

export function Pager({
  label,
  onPrevious,
  onNext,
  previousText = "Previous",
  nextText = "Next",
  numbers,
}: PagerProps) {
  if (!onPrevious && !onNext && !numbers) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={!onPrevious} onClick={onPrevious}>
        {previousText}
      </button>
      {numbers && (
        <>
          {pageWindow(numbers.current, numbers.count).map((page) => (
            <button
              type="button"
              key={page}
              aria-label={`Page ${page + 1}`}
              aria-current={numbers.current === page ? "page" : undefined}
              onClick={() => numbers.onPage(page)}
            >
              {page + 1}
            </button>
          ))}
          <span>of {numbers.count}</span>
        </>
      )}
      <button type="button" disabled={!onNext} onClick={onNext}>
        {nextText}
      </button>
    </nav>
  );
}

/** A list paged forward by cursor from its first page, remembering the way back. */
export function useCursorPages() {
  const [cursors, setCursors] = useState<string[]>([]);
  return {
    /** The `after` of the page shown (null: the first). */
    after: cursors.at(-1) ?? null,
    /** Back to the first page, as when the filters change. */
    restart: () => setCursors([]),
    /** The pager's moves from the page shown, given its `pageInfo`. */
    moves(pageInfo: FragmentType<typeof NEXT_PAGE> | undefined) {
      const info = getFragmentData(NEXT_PAGE, pageInfo);
      const end = info?.hasNextPage ? info.endCursor : null;
      return {
        onPrevious: cursors.length > 0 ? () => setCursors(cursors.slice(0, -1)) : undefined,
        onNext: end ? () => setCursors([...cursors, end]) : undefined,
      };
    },
  };
}
