/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * `Fn::Sub` as the equivalent `Fn::Join` (templates written by hand use it;
 * CDK writes `Fn::Join`), so a rule reads both alike: `${AWS::Region}` a Ref
 * to the pseudo parameter, `${Name}` a Ref, `${Name.Attribute}` a GetAtt,
 * `${!Text}` the literal `${Text}`, a variable of the map its value. Any
 * other value is returned as it is.
 */
export function expandSub(value: unknown): unknown {
  const sub = (value as any)?.['Fn::Sub'];
  if (sub === undefined) return value;
  const [template, variables] = Array.isArray(sub) ? [sub[0], sub[1] ?? {}] : [sub, {}];
  if (typeof template !== 'string' || typeof variables !== 'object' || variables === null) return value;
  const parts: unknown[] = [];
  let rest = template;
  for (let match = /\$\{([^}]*)\}/.exec(rest); match; match = /\$\{([^}]*)\}/.exec(rest)) {
    parts.push(rest.slice(0, match.index));
    const name = match[1];
    if (name.startsWith('!')) parts.push(`\${${name.slice(1)}}`);
    else if (name in variables) parts.push((variables as Record<string, unknown>)[name]);
    else if (!name.startsWith('AWS::') && name.includes('.')) parts.push({ 'Fn::GetAtt': [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)] });
    else parts.push({ Ref: name });
    rest = rest.slice(match.index + match[0].length);
  }
  parts.push(rest);
  return { 'Fn::Join': ['', parts.filter((p) => p !== '')] };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
