// Deleting Kafka connections and schema registries under Settings with the buttons a user clicks:
// Delete asks first and Cancel keeps the row; confirming deletes it, the other row stays, and a
// reload shows the list without it. Deleting the last one leaves the empty list.
import type { Locator } from "@playwright/test";
import { createWorkspace, expect, signUp, test, uniqueEmail } from "./helpers";

const registryUrl = process.env["SCHEMA_REGISTRY_URL"] ?? "http://127.0.0.1:18081/apis/ccompat/v6";

type Connection = [name: string, address: string];
type SettingsPage = {
  title: string;
  path: string;
  form: string;
  /** The add button, and the two connections added: their names and addresses (which their rows show). */
  add: string;
  connections: [kept: Connection, deleted: Connection];
  fill: (form: Locator, name: string, address: string) => Promise<void>;
  testIds: { row: string; empty: string };
  confirm: string;
  /** The toast after deleting, up to the connection's name. */
  deleted: string;
};

const PAGES: SettingsPage[] = [
  {
    title: "Kafka connections",
    path: "kafka-connections",
    form: "Add a Kafka connection",
    add: "Add connection",
    connections: [
      ["Production cluster", "127.0.0.1:9092"],
      ["Staging cluster", "127.0.0.1:19092"],
    ],
    fill: async (form, name, address) => {
      await form.getByLabel("Name").fill(name);
      await form.getByLabel("Bootstrap servers").fill(address);
    },
    testIds: { row: "kafka-connection-row", empty: "no-kafka-connections" },
    confirm: "Delete connection",
    deleted: "Deleted connection",
  },
  {
    title: "schema registries",
    path: "schema-registries",
    form: "Add a schema registry",
    add: "Add registry",
    connections: [
      ["Team registry", registryUrl],
      ["Old registry", registryUrl],
    ],
    fill: async (form, name, address) => {
      await form.getByLabel("Name", { exact: true }).fill(name);
      await form.getByLabel("URL", { exact: true }).fill(address);
    },
    testIds: { row: "schema-registry-row", empty: "no-schema-registries" },
    confirm: "Delete registry",
    deleted: "Deleted schema registry",
  },
];

for (const settings of PAGES) {
  test(`an admin deletes ${settings.title}: asked first, gone from the list once confirmed`, async ({ page }) => {
    await signUp(page, uniqueEmail(`delete-${settings.path}`));
    await createWorkspace(page, `Cleanup of ${settings.title}`);
    await page.goto(`${page.url()}/settings/${settings.path}`);
    const form = page.getByRole("form", { name: settings.form });
    const rows = page.getByTestId(settings.testIds.row);
    for (const [name, address] of settings.connections) {
      await settings.fill(form, name, address);
      await form.getByRole("button", { name: settings.add }).click();
      await expect(rows.filter({ hasText: name })).toContainText(address);
    }
    const [[kept], [deleted]] = settings.connections;

    const deleteRow = async (name: string) => {
      const row = rows.filter({ hasText: name });
      const dialog = page.getByRole("dialog", { name: `Delete ${name}?` });
      await row.getByRole("button", { name: `Delete ${name}` }).click();
      await expect(dialog).toContainText("can no longer be published or deployed");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await expect(dialog).toHaveCount(0);
      await expect(row).toHaveCount(1);

      await row.getByRole("button", { name: `Delete ${name}` }).click();
      await dialog.getByRole("button", { name: settings.confirm }).click();
      await expect(dialog).toHaveCount(0);
      await expect(page.getByTestId("toasts")).toContainText(`${settings.deleted} ${name}.`);
      await expect(row).toHaveCount(0);
    };

    await deleteRow(deleted);
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText(kept);
    await page.reload();
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText(kept);

    await deleteRow(kept);
    await expect(page.getByTestId(settings.testIds.empty)).toBeVisible();
    await page.reload();
    await expect(page.getByTestId(settings.testIds.empty)).toBeVisible();
    await expect(rows).toHaveCount(0);
  });
}
