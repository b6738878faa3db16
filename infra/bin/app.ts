import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildLingjun } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

// `cdk synth` runs this from the repo root (cdk.json: npx tsx infra/bin/app.ts); paths are taken from here
// so it also works when started from elsewhere.
const root = resolve(import.meta.dirname, '../..');
const app = new App();
const config = await loadConfig((key) => app.node.tryGetContext(key), root);
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
buildLingjun(app, config, account && region ? { account, region } : undefined);
app.synth();
