// A new set of recovery codes, shown this once: to copy, or to download as a text file (made in
// the page, through a Blob URL), until the viewer says they are saved.
import { useEffect, useRef } from "react";
import { RECOVERY_CODES_FILE, recoveryCodesText } from "./texts";

interface RecoveryCodesProps {
  codes: string[];
  /** Whose they are, written into the file. */
  account: string;
  generatedAt: string;
  onSaved: () => void;
}

export function RecoveryCodes({ codes, account, generatedAt, onSaved }: RecoveryCodesProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  // New codes appear where the viewer was not looking: bring them into view and focus.
  useEffect(() => heading.current?.focus(), []);
  function download() {
    const file = new Blob([recoveryCodesText(codes, account, generatedAt)], {
      type: "text/plain;charset=utf-8",
    });
    const url = URL.createObjectURL(file);
    const link = document.createElement("a");
    link.href = url;
    link.download = RECOVERY_CODES_FILE;
    link.click();
    // The browser has the file once the download started.
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return (
    <div className="panel" role="region" aria-labelledby="recovery-codes-heading">
      <h3 id="recovery-codes-heading" ref={heading} tabIndex={-1}>
        Your recovery codes
      </h3>
      <p>
        If you lose your authenticator app or your passkeys, each of these codes signs you in once.
        Save them somewhere safe now: they are not shown again.
      </p>
      <ol className="codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <button type="button" onClick={download}>
        Download
      </button>
      <button type="button" onClick={onSaved}>
        I have saved them
      </button>
    </div>
  );
}
