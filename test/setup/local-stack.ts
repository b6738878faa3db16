// Placeholder until the local stack lands: starts nothing. Replaced by the local-stack work.
export default async function setup(): Promise<void> {}
