import { strictEqual } from "node:assert/strict";
import { ansibleWarning } from "./warnings.ts";

Deno.test("ansibleWarning() wraps at 79 columns as Ansible's Display.warning does", () => {
  strictEqual(
    ansibleWarning("Invalid characters were found in group names but not replaced, use -vvvv to see details"),
    "[WARNING]: Invalid characters were found in group names but not replaced, use\n-vvvv to see details\n",
  );
  strictEqual(
    ansibleWarning(
      "Unable to parse /srv/inventories-real/ansible-yaml-int-hostname/inv/test.yml as a source",
    ),
    // Python's textwrap breaks after the hyphen of a hyphenated word.
    "[WARNING]: Unable to parse /srv/inventories-real/ansible-yaml-int-\nhostname/inv/test.yml as a source\n",
  );
});
