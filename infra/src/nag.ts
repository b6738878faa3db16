import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Flattens a resolved CloudFormation value the way cdk-nag names IAM5 findings (Fn::Join joined, Ref as
 * <Name>, GetAtt as <Name.Attr>), so an acknowledgement can name exactly the wildcard it accepts.
 */
export function flattenCfn(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfn).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return flattenCfn(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfn(resource)}.${flattenCfn(attribute)}>`;
    }
    if (o['Fn::ImportValue'] !== undefined) return flattenCfn(o['Fn::ImportValue']);
    if (o.Ref !== undefined) return `<${flattenCfn(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/** Acknowledges AwsSolutions-IAM5 for each named wildcard resource (a token or string) with one reason. */
export function acknowledgeWildcardResources(scope: IConstruct, resources: string[], reason: string): void {
  const stack = Stack.of(scope);
  for (const r of resources) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfn(stack.resolve(r))}]`,
      reason,
    });
  }
}

/** Acknowledges AwsSolutions-IAM5 for wildcard actions (s3:GetObject* …) with one reason. */
export function acknowledgeWildcardActions(scope: IConstruct, actions: string[], reason: string): void {
  for (const a of actions)
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Action::${a}]`, reason });
}

/** The wildcard actions CDK's bucket and key grants produce (s3:GetObject* …), which a data grant brings. */
const DATA_GRANT_ACTIONS = [
  's3:GetObject*',
  's3:GetBucket*',
  's3:List*',
  's3:DeleteObject*',
  's3:Abort*',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
];

/**
 * Acknowledges the IAM5 findings of a function granted the data bucket's prefixes and the registry table:
 * the object and index wildcards (`resources`) and the grants' wildcard actions, with one reason.
 */
export function acknowledgeDataGrants(scope: IConstruct, resources: string[]): void {
  const reason =
    'Scoped to one key prefix of the data bucket, or to the registry table and its own indexes; object ' +
    'keys and index items are only known at run time.';
  acknowledgeWildcardResources(scope, resources, reason);
  acknowledgeWildcardActions(scope, DATA_GRANT_ACTIONS, reason);
}
