// The projects the e2e tests serve: demo (a fan-out with a streaming ANSI log, two jobs sharing resource
// group `db`, a slow job to cancel) and editable (valid when serve starts, then edited to have a spec
// error at farmhand.yml:5:5, as a user's typo would).

export const demoSpec = `version: 1
name: demo
jobs:
  first:
    run:
      - echo "first starts"
      - sleep 3
  second:
    needs: [first]
    run:
      - for i in 1 2 3 4 5 6 7 8 9 10; do echo "line $i"; sleep 0.8; done
      - printf '\\033[31mred text\\033[0m\\n'
  third:
    needs: [first]
    run: [echo third]
---
version: 1
name: deploy
jobs:
  db-one:
    resource_group: db
    run: [sleep 6]
  db-two:
    resource_group: db
    run: [sleep 6]
---
version: 1
name: slow
jobs:
  wait:
    run: [sleep 60]
---
kind: settings
resource_groups:
  db: { capacity: 1 }
`;

export const editableSpec = 'version: 1\nname: editable\njobs:\n  a:\n    run: [echo]\n';
export const brokenSpec = 'version: 1\nname: editable\njobs:\n  a:\n    neds: [b]\n    run: [echo]\n';
