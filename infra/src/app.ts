import { type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { LingjunConfig } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface LingjunStacks {
  stateful: StatefulStack;
  stateless: StatelessStack;
}

/** Adds both stacks to an app and runs cdk-nag's AWS Solutions pack over them at synthesis. */
export function buildLingjun(app: App, config: LingjunConfig, env?: Environment): LingjunStacks {
  const envProps = env ? { env } : {};
  const stateful = new StatefulStack(app, 'LingjunStateful', {
    ...envProps,
    config,
    description: `lingjun ${config.program.year}: data bucket, registry table, keys`,
    terminationProtection: true,
  });
  const stateless = new StatelessStack(app, 'LingjunStateless', {
    ...envProps,
    config,
    dataKey: stateful.dataKey,
    description: `lingjun ${config.program.year}: functions, SES receipt, schedules`,
  });
  stateless.addStackDependency(stateful);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, stateless };
}
