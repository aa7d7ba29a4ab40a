"use client";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { authClient } from "@/lib/auth-client";
import { safeNextPath } from "@/lib/safe-next";
import { Logo } from "./Logo";

export function AuthForm({ mode }: { mode: "sign-in" | "sign-up" }) {
  const router = useRouter();
  const params = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNextPath(params.get("next"));

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const form = new FormData(e.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    const res =
      mode === "sign-in"
        ? await authClient.signIn.email({ email, password })
        : await authClient.signUp.email({ email, password, name: String(form.get("name") ?? "") });
    setBusy(false);
    if (res.error) {
      setError(
        res.error.status === 429
          ? "Too many attempts. Wait a minute and try again."
          : (res.error.message ?? "Something went wrong."),
      );
      return;
    }
    router.push(next);
    router.refresh();
  }

  return (
    <div className="flex min-h-screen items-center justify-center p-4">
      <div className="card w-full max-w-sm p-8">
        <Logo className="mb-6 text-xl" />
        <h1 className="mb-1 text-lg font-semibold">{mode === "sign-in" ? "Sign in" : "Create your account"}</h1>
        <p className="mb-6 text-sm text-slate-500 dark:text-slate-400">
          {mode === "sign-in" ? "Welcome back." : "Design and run real-time pipelines with your team."}
        </p>
        <form onSubmit={onSubmit} className="space-y-4" noValidate>
          {mode === "sign-up" && (
            <div>
              <label className="label" htmlFor="name">
                Name
              </label>
              <input className="input" id="name" name="name" autoComplete="name" required minLength={1} />
            </div>
          )}
          <div>
            <label className="label" htmlFor="email">
              Email
            </label>
            <input className="input" id="email" name="email" type="email" autoComplete="email" required />
          </div>
          <div>
            <label className="label" htmlFor="password">
              Password
            </label>
            <input
              className="input"
              id="password"
              name="password"
              type="password"
              autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
              required
              minLength={10}
            />
            {mode === "sign-up" && <p className="mt-1 text-xs text-slate-500">At least 10 characters.</p>}
          </div>
          {error && (
            <p
              role="alert"
              className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300"
            >
              {error}
            </p>
          )}
          <button className="btn-primary w-full" type="submit" disabled={busy}>
            {busy ? "Please wait…" : mode === "sign-in" ? "Sign in" : "Create account"}
          </button>
        </form>
        <p className="mt-6 text-center text-sm text-slate-500">
          {mode === "sign-in" ? (
            <>
              New to Sluice?{" "}
              <Link className="text-brand-600 hover:underline" href={`/sign-up?next=${encodeURIComponent(next)}`}>
                Create an account
              </Link>
            </>
          ) : (
            <>
              Already have an account?{" "}
              <Link className="text-brand-600 hover:underline" href={`/sign-in?next=${encodeURIComponent(next)}`}>
                Sign in
              </Link>
            </>
          )}
        </p>
      </div>
    </div>
  );
}
