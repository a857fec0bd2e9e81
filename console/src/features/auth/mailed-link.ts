// The token a mailed link carries in its address (`?token=`). The pages it opens change
// nothing until the person confirms on the page, since mail scanners open links.
import { useSearch } from "wouter";

export function useLinkToken(): string {
  return new URLSearchParams(useSearch()).get("token") ?? "";
}
