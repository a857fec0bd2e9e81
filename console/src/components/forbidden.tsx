// What a page shows to a viewer whose permissions (as `me` reports them) do not reach it.

export function Forbidden() {
  return (
    <section>
      <h1>Not allowed</h1>
      <p className="problem" role="alert">
        Your account may not see this page. Ask an administrator if you need it.
      </p>
    </section>
  );
}
