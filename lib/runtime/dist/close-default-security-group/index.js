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
  handler: () => handler
});
module.exports = __toCommonJS(close_default_security_group_exports);
var import_client_ec2 = require("@aws-sdk/client-ec2");

// lib/runtime/cfn-response.ts
var import_node_http = require("node:http");
var import_node_https = require("node:https");
function sendResponse(event, status, reason, result) {
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
  const url = new URL(event.ResponseURL);
  const send = url.protocol === "http:" ? import_node_http.request : import_node_https.request;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: "PUT", headers: { "content-type": "", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`response URL answered ${res.statusCode}`)));
    });
    req.on("error", reject);
    req.end(body);
  });
}
async function runCustomResource(event, work) {
  const fallbackId = event.PhysicalResourceId ?? event.LogicalResourceId;
  try {
    const result = await work(event);
    await sendResponse(event, "SUCCESS", "done", result);
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    console.error(message);
    await sendResponse(event, "FAILED", message, { physicalResourceId: fallbackId });
  }
}

// lib/runtime/close-default-security-group.ts
async function ignoreMissing(call) {
  try {
    await call;
  } catch (err) {
    if (err.name !== "InvalidPermission.NotFound") throw err;
  }
}
async function handler(event) {
  await runCustomResource(event, async ({ RequestType, ResourceProperties }) => {
    const { GroupId, AccountId } = ResourceProperties;
    if (RequestType !== "Delete") {
      const ec2 = new import_client_ec2.EC2Client({});
      await ignoreMissing(
        ec2.send(new import_client_ec2.RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId, UserId: AccountId }] }] }))
      );
      await ignoreMissing(ec2.send(new import_client_ec2.RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] })));
    }
    return { physicalResourceId: `${GroupId}-closed` };
  });
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  handler
});
