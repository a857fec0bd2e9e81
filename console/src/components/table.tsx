// A table of rows that scrolls sideways on a narrow screen, with its column headings.
import type { ReactNode } from "react";

/** A heading read by screen readers only (a column of buttons). */
export function Hidden({ children }: { children: ReactNode }) {
  return <span className="visually-hidden">{children}</span>;
}

export function Table({ columns, children }: { columns: ReactNode[]; children: ReactNode }) {
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th scope="col" key={index}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
