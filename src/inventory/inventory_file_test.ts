import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { InventoryData } from "./inventory_data.ts";
import { readInventoryFile } from "./inventory_file.ts";

function hostsOf(file: string, text: string): string[] {
  const data = new InventoryData();
  readInventoryFile(file, text, data);
  return [...data.hosts.keys()];
}

Deno.test("readInventoryFile() reads YAML-looking files as YAML and the rest as INI", () => {
  assertEquals(hostsOf("hosts.yml", "all:\n  hosts:\n    a:\n"), ["a"]);
  assertEquals(hostsOf("hosts", "all:\n  hosts:\n    a:\n"), ["a"]);
  assertEquals(hostsOf("hosts", "[web]\nw1\n"), ["w1"]);
  assertEquals(hostsOf("hosts.conf", "w1\nw2\n"), ["w1", "w2"]);
  // YAML reads "h1\nh2" as one string: not an inventory, so Ansible's INI plugin gets it.
  assertEquals(hostsOf("hosts.yml", "h1\nh2\n"), ["h1", "h2"]);
  assertEquals(hostsOf("empty.yml", ""), []);
});

Deno.test("readInventoryFile() reports the YAML error for a broken YAML file", () => {
  assertThrows(() => hostsOf("hosts.yml", "all:\n  hosts: [a\n"), /hosts\.yml:\d+:\d+: Invalid YAML/);
  assertThrows(() => hostsOf("hosts", "all:\n  hosts:\n   - a\n  - b\n"), /hosts:\d+:\d+: Invalid YAML/);
});

Deno.test("readInventoryFile() reports the INI error for a broken INI file without extension", () => {
  assertThrows(() => hostsOf("hosts", "[web]\nw1 broken\n"), /hosts:2:4: Expected key=value/);
});

Deno.test("readInventoryFile() refuses inventory plugin configurations", () => {
  assertThrows(
    () => hostsOf("aws_ec2.yml", "plugin: amazon.aws.aws_ec2\n"),
    /aws_ec2\.yml:1:1: Inventory plugin/,
  );
});
