"use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// lib/runtime/close-default-security-group.ts
var close_default_security_group_exports = {};
__export(close_default_security_group_exports, {
  createCloseDefaultSecurityGroupHandler: () => createCloseDefaultSecurityGroupHandler,
  handler: () => handler
});
module.exports = __toCommonJS(close_default_security_group_exports);
var import_client_ec2 = require("@aws-sdk/client-ec2");

// lib/runtime/cfn-response.ts
var import_node_https = require("node:https");
var ReportableError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "ReportableError";
  }
};
var REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
function isCloudFormationResponseUrl(raw, region) {
  if (typeof raw !== "string" || !REGION.test(region)) return false;
  let url;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "" || url.port !== "") return false;
  const bucket = `cloudformation-custom-resource-response-${region.replace(/-/g, "")}`;
  const endpoints = [`s3.${region}.amazonaws.com`, `s3-${region}.amazonaws.com`, "s3.amazonaws.com"];
  const host = url.hostname;
  if (endpoints.some((endpoint) => host === `${bucket}.${endpoint}`)) return true;
  return endpoints.includes(host) && url.pathname.startsWith(`/${bucket}/`);
}
var REQUEST_TYPES = /* @__PURE__ */ new Set(["Create", "Update", "Delete"]);
var TOKEN = /^[A-Za-z0-9._:/|-]{1,1024}$/;
function checkEvent(event, expected, isAllowedResponseUrl) {
  const e = event;
  if (typeof e !== "object" || e === null) return { refused: "event" };
  if (typeof e.RequestType !== "string" || !REQUEST_TYPES.has(e.RequestType)) return { refused: "RequestType" };
  if (typeof e.ResponseURL !== "string" || !isAllowedResponseUrl(e.ResponseURL)) return { refused: "ResponseURL" };
  if (!expected.stackId || e.StackId !== expected.stackId) return { refused: "StackId" };
  if (!expected.logicalResourceId || e.LogicalResourceId !== expected.logicalResourceId) return { refused: "LogicalResourceId" };
  if (typeof e.RequestId !== "string" || !/^[A-Za-z0-9-]{1,128}$/.test(e.RequestId)) return { refused: "RequestId" };
  if (e.PhysicalResourceId !== void 0 && (typeof e.PhysicalResourceId !== "string" || !TOKEN.test(e.PhysicalResourceId))) return { refused: "PhysicalResourceId" };
  if (e.RequestType !== "Create" && e.PhysicalResourceId === void 0) return { refused: "PhysicalResourceId" };
  const properties = e.ResourceProperties;
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) return { refused: "ResourceProperties" };
  return { event: e };
}
var putResponse = (responseUrl, body) => new Promise((resolve, reject) => {
  const url = new URL(responseUrl);
  if (url.protocol !== "https:") {
    reject(new ReportableError("the response URL is not HTTPS"));
    return;
  }
  const req = (0, import_node_https.request)(
    url,
    { method: "PUT", headers: { "content-type": "", "content-length": Buffer.byteLength(body) }, timeout: 3e4 },
    (res) => {
      res.resume();
      res.on(
        "end",
        () => res.statusCode && res.statusCode < 300 ? resolve() : reject(new ReportableError(`the response URL answered HTTP ${Number(res.statusCode)}`))
      );
    }
  );
  req.on("timeout", () => req.destroy(new ReportableError("the response URL did not answer within 30 s")));
  req.on("error", reject);
  req.end(body);
});
function errorName(err) {
  const name = err?.name;
  return typeof name === "string" && /^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(name) ? name : "Error";
}
function errorCode(err) {
  const code = err?.code;
  if (typeof code !== "string") return void 0;
  if (/^[0-9A-Z]{5}$/.test(code)) return `SQLSTATE ${code}`;
  return /^E[A-Z_]{2,30}$/.test(code) ? code : void 0;
}
var defaultDescribeFailure = (err) => err instanceof ReportableError ? err.message : `the function failed (${errorName(err)}${errorCode(err) ? `, ${errorCode(err)}` : ""})`;
async function runCustomResource(input, options, work) {
  const log = options.log ?? ((line) => console.log(line));
  const send = options.send ?? putResponse;
  const isAllowed = options.isAllowedResponseUrl ?? ((url) => isCloudFormationResponseUrl(url, options.expected.region));
  try {
    const checked = checkEvent(input, options.expected, isAllowed);
    if ("refused" in checked) {
      log(JSON.stringify({ refused: "not a CloudFormation request for this resource of this stack; nothing was done or sent", check: checked.refused }));
      return;
    }
    const { event } = checked;
    let status = "SUCCESS";
    let reason = "done";
    let result = { physicalResourceId: event.PhysicalResourceId ?? event.LogicalResourceId };
    try {
      result = await work(event);
    } catch (err) {
      status = "FAILED";
      reason = (options.describeFailure ?? defaultDescribeFailure)(err) ?? defaultDescribeFailure(err);
    }
    log(JSON.stringify({ requestType: event.RequestType, requestId: event.RequestId, status, reason }));
    const body = JSON.stringify({
      Status: status,
      // CloudFormation shows at most 4 KB of reason.
      Reason: reason.slice(0, 3500),
      PhysicalResourceId: result.physicalResourceId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: result.data
    });
    try {
      await send(event.ResponseURL, body);
    } catch (err) {
      log(JSON.stringify({ response: "not delivered to CloudFormation", reason: defaultDescribeFailure(err) }));
    }
  } catch (err) {
    log(JSON.stringify({ error: `the handler failed (${errorName(err)})` }));
  }
}
function expectedFromEnvironment(env = process.env) {
  return { stackId: env.STACK_ID ?? "", logicalResourceId: env.LOGICAL_RESOURCE_ID ?? "", region: env.AWS_REGION ?? "" };
}

// lib/runtime/close-default-security-group.ts
async function ignoreMissing(call) {
  try {
    await call;
  } catch (err) {
    if (err.name !== "InvalidPermission.NotFound") throw err;
  }
}
function createCloseDefaultSecurityGroupHandler(options) {
  return (event) => runCustomResource(event, options, async ({ RequestType, ResourceProperties }) => {
    const { groupId: GroupId, accountId: AccountId } = options;
    if (RequestType !== "Delete") {
      if (!/^sg-[0-9a-f]{8,17}$/.test(GroupId) || ResourceProperties.GroupId !== GroupId || ResourceProperties.AccountId !== AccountId) {
        throw new ReportableError("the request names another group than the one this function closes: nothing was done");
      }
      const ec2 = options.ec2 ?? new import_client_ec2.EC2Client({});
      await ignoreMissing(
        ec2.send(new import_client_ec2.RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId, UserId: AccountId }] }] }))
      );
      await ignoreMissing(ec2.send(new import_client_ec2.RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] })));
    }
    return { physicalResourceId: `${GroupId}-closed` };
  });
}
var handler = (event) => createCloseDefaultSecurityGroupHandler({
  expected: expectedFromEnvironment(),
  groupId: process.env.GROUP_ID ?? "",
  accountId: process.env.ACCOUNT_ID ?? ""
})(event);
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  createCloseDefaultSecurityGroupHandler,
  handler
});
