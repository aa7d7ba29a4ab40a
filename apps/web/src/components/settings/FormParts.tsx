"use client";
import { Field } from "@/components/forms/Field";

/** A labelled one-line text input; `mono` for addresses and other machine text (monospace, no spell check). */
export function TextField({
  label,
  value,
  onChange,
  placeholder,
  error,
  help,
  mono = false,
  maxLength,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  error?: string | undefined;
  help?: string;
  mono?: boolean;
  maxLength?: number;
}) {
  return (
    <Field label={label} error={error} help={help}>
      {(control) => (
        <input
          {...control}
          className={mono ? "input font-mono" : "input"}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={placeholder}
          spellCheck={mono ? false : undefined}
          maxLength={maxLength}
          required
        />
      )}
    </Field>
  );
}

/** The name field every settings form starts with (80 characters at most). */
export function NameField({
  label = "Name",
  ...field
}: { label?: string } & Omit<Parameters<typeof TextField>[0], "label" | "mono" | "maxLength">) {
  return <TextField label={label} {...field} maxLength={80} />;
}

/**
 * Username and password fields. The password is write-only: the browser never gets it back, so the
 * field always starts empty. `optional`: both may stay empty, the password is needed once a username is.
 */
export function CredentialFields({
  username,
  password,
  onUsername,
  onPassword,
  optional = false,
}: {
  username: string;
  password: string;
  onUsername: (value: string) => void;
  onPassword: (value: string) => void;
  optional?: boolean;
}) {
  const needsPassword = !optional || username !== "";
  return (
    <>
      <Field label={optional ? "Username (optional)" : "Username"}>
        {(control) => (
          <input
            {...control}
            className="input"
            value={username}
            onChange={(e) => onUsername(e.target.value)}
            autoComplete="off"
            required={!optional}
          />
        )}
      </Field>
      <Field label="Password">
        {(control) => (
          <input
            {...control}
            type="password"
            className="input"
            value={password}
            onChange={(e) => onPassword(e.target.value)}
            autoComplete="new-password"
            required={needsPassword}
            disabled={!needsPassword}
          />
        )}
      </Field>
    </>
  );
}
