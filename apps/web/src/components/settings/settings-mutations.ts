"use client";
import { useMutation, useQueryClient, type QueryFilters, type UseMutationOptions } from "@tanstack/react-query";
import { useState } from "react";
import { useToast } from "@/components/Toaster";
import { errorMessage, fieldError } from "./errors";

/**
 * A settings form's create mutation (`options`: a tRPC `mutationOptions()`). On success `saved` clears
 * the form and returns the toast to show, then `list` refetches. A failure is a toast unless the server
 * rejected one of `fields`: the form shows that on the field.
 */
export function useCreateMutation<TData, TError, TVariables, TContext>(
  options: UseMutationOptions<TData, TError, TVariables, TContext>,
  {
    saved,
    list,
    fields,
  }: { saved: (data: TData, variables: TVariables) => string; list: QueryFilters; fields: readonly string[] },
) {
  const qc = useQueryClient();
  const { toast } = useToast();
  return useMutation({
    ...options,
    onSuccess: async (data, variables) => {
      toast(saved(data, variables), "success");
      await qc.invalidateQueries(list);
    },
    onError: (e) => {
      if (!fields.some((field) => fieldError(e, field))) toast(errorMessage(e), "error");
    },
  });
}

/** A row action waiting for confirmation (see `useRowAction`). */
export type RowAction<Row> = {
  /** The row the dialog asks about, or null while nothing is asked. */
  row: Row | null;
  ask: (row: Row) => void;
  cancel: () => void;
  confirm: () => void;
  pending: boolean;
};

/**
 * A row action that asks first (delete, revoke): `ask(row)` opens the confirmation, `confirm()` runs the
 * mutation (`options`, a tRPC `mutationOptions()`) with `variables(row)`. On success the toast says
 * `done(row)`, the dialog closes and `list` refetches; a failure is a toast and the dialog stays open.
 */
export function useRowAction<Row, TData, TError, TVariables, TContext>(
  options: UseMutationOptions<TData, TError, TVariables, TContext>,
  {
    variables,
    done,
    list,
  }: { variables: (row: Row) => TVariables; done: (row: Row | null) => string; list: QueryFilters },
): RowAction<Row> {
  const qc = useQueryClient();
  const { toast } = useToast();
  const [row, setRow] = useState<Row | null>(null);
  const mutation = useMutation({
    ...options,
    onSuccess: async () => {
      toast(done(row), "success");
      setRow(null);
      await qc.invalidateQueries(list);
    },
    onError: (e) => toast(errorMessage(e), "error"),
  });
  return {
    row,
    ask: setRow,
    cancel: () => setRow(null),
    confirm: () => {
      if (row) mutation.mutate(variables(row));
    },
    pending: mutation.isPending,
  };
}
