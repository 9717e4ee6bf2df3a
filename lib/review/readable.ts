/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Renders CloudFormation values for people: `{ "Fn::GetAtt": ["Key", "Arn"] }`
 * becomes `${Key.Arn}`, `{ "Ref": "AWS::Region" }` becomes `${AWS::Region}`,
 * and an `Fn::Join` becomes the joined string. Documents keep their shape.
 */
export function readable(value: any): any {
  if (Array.isArray(value)) return value.map(readable);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys;
    const arg = value[key];
    if (key === 'Ref') return `\${${arg}}`;
    if (key === 'Fn::GetAtt') return `\${${Array.isArray(arg) ? arg.join('.') : arg}}`;
    if (key === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) {
      return arg[1].map((part: any) => {
        const r = readable(part);
        return typeof r === 'string' ? r : JSON.stringify(r);
      }).join(arg[0]);
    }
    if (key === 'Fn::Sub') return Array.isArray(arg) ? arg[0] : arg;
    if (key === 'Fn::ImportValue') return `\${Import:${JSON.stringify(readable(arg))}}`;
  }
  return Object.fromEntries(keys.map((k) => [k, readable(value[k])]));
}

/** The logical id a Ref / GetAtt points at. */
export function target(value: any): string | undefined {
  if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string') return value.Ref;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return getAtt[0];
  }
  return undefined;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
