# transform-lead.jq: msi-transform's default Lead mapping written in jq, for
# `make bench` to time against msi-transform on the same records.
# Same fields, same skips (deleted, converted), the same id handling
# (15 -> 18, case repair from the suffix, null ids, invalid ids refused),
# numbers and empty values as msi-transform writes them. What jq cannot do
# as simply is left out: field names are matched as spelled, not in any case.

def alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

# The 3-character suffix of a 15-character id.
def suffix:
  . as $id
  | [range(0; 3) as $c
     | [range(0; 5) as $j
        | if $id[$c * 5 + $j : $c * 5 + $j + 1] | test("^[A-Z]$") then pow(2; $j) else 0 end]
     | add
     | alphabet[. : . + 1]]
  | join("");

# A Salesforce id in its 18-character form, repaired, or null.
def sfid:
  if . == null or . == "" then null
  elif test("^0{15}([Aa]{3})?$") then null
  elif test("^[0-9A-Za-z]{15}$") then . + suffix
  elif test("^[0-9A-Za-z]{15}[A-Za-z0-5]{3}$") then
    . as $id
    | [range(0; 3) as $c | alphabet | index($id[15 + $c : 16 + $c] | ascii_upcase)] as $bits
    | [range(0; 15) as $i
       | ($bits[($i / 5) | floor] / pow(2; $i % 5) | floor % 2) as $up
       | $id[$i : $i + 1]
       | if $up == 1 then
           (if test("^[0-9]$") then error("suffix marks a digit: \($id)") else ascii_upcase end)
         else ascii_downcase end]
    | join("") + ($id[15:18] | ascii_upcase)
  else error("not a Salesforce id: \(.)") end;

def str: if . == "" then null else . end;
def num: if . == null or . == "" then null else tonumber end;
def truthy: . != null and (ascii_downcase | . == "1" or . == "true" or . == "yes");

select((.IsDeleted | truthy | not) and (.IsConverted | truthy | not))
| {
    externalPersonId: (.Id | sfid),
    externalSalesPersonId: (.OwnerId | sfid),
    externalCompanyId: (.ConvertedAccountId | sfid),
    email: (.Email | str),
    salutation: (.Salutation | str),
    firstName: (.FirstName | str),
    lastName: (.LastName | str),
    title: (.Title | str),
    phone: (.Phone | str),
    mobilePhone: (.MobilePhone | str),
    address: (.Street | str),
    city: (.City | str),
    state: (.State | str),
    postalCode: (.PostalCode | str),
    country: (.Country | str),
    company: (.Company | str),
    website: (.Website | str),
    industry: (.Industry | str),
    annualRevenue: (.AnnualRevenue | num),
    numberOfEmployees: (.NumberOfEmployees | num),
    leadSource: (.LeadSource | str),
    leadStatus: (.Status | str)
  }
