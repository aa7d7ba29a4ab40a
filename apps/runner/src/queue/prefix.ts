/** Every BullMQ key of Sluice starts with this, so a shared Redis can tell our keys apart. */
export const QUEUE_PREFIX = "sluice";
