// "Test connection" in the browser against the SASL_SSL broker `npm test` starts (throwaway CA,
// SCRAM users): a wrong password is named as such, the right one lists the cluster's topics, before
// saving (on the form's values) and afterwards (on the saved connection).
import { createKafka } from "@sluice/kafka";
import { secureBroker } from "@sluice/kafka/test-support";
import { createWorkspace, expect, signUp, test, uniqueEmail } from "./helpers";

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

test("an admin tests a SASL_SSL connection: wrong password, then the topics, before and after saving", async ({
  page,
}) => {
  const broker = secureBroker();
  const user = broker.users["SCRAM-SHA-512"];
  const topic = `e2e-connection-test-${Date.now().toString(36)}`;
  const kafka = createKafka({
    brokers: [broker.brokers],
    clientId: "e2e-connection-test",
    log: silent,
    tls: { ca: broker.ca },
    sasl: { mechanism: "SCRAM-SHA-512", ...user },
  });
  await kafka.admin.createTopics([{ topic, partitions: 2 }]);
  try {
    await signUp(page, uniqueEmail("kafka-test"));
    await createWorkspace(page, "Secured cluster team");
    await page.goto(`${page.url()}/settings/kafka-connections`);

    const form = page.getByRole("form", { name: "Add a Kafka connection" });
    await form.getByLabel("Name").fill("Secured cluster");
    await form.getByLabel("Bootstrap servers").fill(broker.brokers);
    await form.getByLabel("Security protocol").selectOption("sasl_ssl");
    await form.getByLabel("SASL mechanism").selectOption("SCRAM-SHA-512");
    await form.getByLabel("Username").fill(user.username);
    await form.getByLabel("Password").fill(`${user.password}-wrong`);
    await form.getByLabel("CA certificate (PEM, optional)").fill(broker.ca);

    await form.getByRole("button", { name: "Test connection" }).click();
    const result = form.getByTestId("kafka-connection-test-result");
    await expect(result).toContainText("Authentication failed");
    await expect(result).toContainText("the broker rejected the username or password");
    await expect(result).not.toContainText(user.password);

    await form.getByLabel("Password").fill(user.password);
    await form.getByRole("button", { name: "Test connection" }).click();
    await expect(result).toContainText("Connected · 1 broker");
    await expect(result.getByRole("list", { name: "Topics" })).toContainText(`${topic} · 2 partitions`);

    await form.getByRole("button", { name: "Add connection" }).click();
    const row = page.getByTestId("kafka-connection-row").filter({ hasText: "Secured cluster" });
    await expect(row).toContainText(`${broker.brokers} · sasl_ssl SCRAM-SHA-512`);
    await row.getByRole("button", { name: "Test Secured cluster" }).click();
    await expect(row.getByTestId("kafka-connection-test-result")).toContainText(`${topic} · 2 partitions`);
  } finally {
    await kafka.admin.deleteTopics([topic]).catch(() => undefined);
    await kafka.close();
  }
});
