#!/usr/bin/env python3
"""Builds Validation/audit/ (committed; this records how it was made).

natural/: the CC0 photographs of the natural suite's test split, copied into
images/, with their inserted-object cases, plus hand-drawn objects of interest
(coins, the cat's eyes and nose, the mission patch, the rocket) as
tessera.rois/1 files. xray/ and ct/: the test splits of Validation/xray and
Validation/ct, paths rewritten for the new folder.
"""
import json
import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data", "natural")
AUDIT = os.path.join(ROOT, "Validation", "audit")

# Objects of interest, in pixels (x, y as in the image; circles cx, cy, r).
OBJECTS = {
    "coins.png": [("coin-top-left", {"circle": {"cx": 40, "cy": 50, "r": 18}}),
                  ("coin-top-2", {"circle": {"cx": 98, "cy": 55, "r": 17}}),
                  ("coin-head", {"circle": {"cx": 270, "cy": 120, "r": 23}}),
                  ("coin-large", {"circle": {"cx": 345, "cy": 183, "r": 29}})],
    "chelsea.png": [("left-eye", {"circle": {"cx": 170, "cy": 115, "r": 30}}),
                    ("right-eye", {"circle": {"cx": 318, "cy": 135, "r": 25}}),
                    ("nose", {"box": {"x": 238, "y": 222, "w": 52, "h": 38}})],
    "astronaut.png": [("mission-patch", {"circle": {"cx": 172, "cy": 385, "r": 40}}),
                      ("name-tag", {"box": {"x": 280, "y": 340, "w": 50, "h": 30}})],
    "rocket.jpg": [("fairing", {"box": {"x": 306, "y": 125, "w": 32, "h": 60}}),
                   ("first-stage", {"box": {"x": 308, "y": 185, "w": 26, "h": 215}})],
}


def rewrite(case, old_folder, new_folder):
    case = dict(case)
    case["image"] = os.path.relpath(os.path.normpath(os.path.join(old_folder, case["image"])), new_folder)
    if case.get("rois"):
        case["rois"] = [dict(r, path=os.path.relpath(os.path.normpath(os.path.join(old_folder, r["path"])), new_folder))
                        for r in case["rois"]]
    return case


def test_split(domain, new_folder):
    folder = os.path.join(ROOT, "Validation", domain)
    suite = json.load(open(os.path.join(folder, "suite.json")))
    return suite, [rewrite(c, folder, new_folder) for c in suite["cases"] if c["split"] == "test"]


def main():
    for domain in ("xray", "ct"):
        folder = os.path.join(AUDIT, domain)
        os.makedirs(folder, exist_ok=True)
        suite, cases = test_split(domain, folder)
        suite["name"] = "audit-" + domain
        suite["description"] = f"The test split of Validation/{domain} (built by scripts/build-audit-sets.py)."
        suite["cases"] = cases
        json.dump(suite, open(os.path.join(folder, "suite.json"), "w"), indent=2, sort_keys=True)

    folder = os.path.join(AUDIT, "natural")
    images = os.path.join(folder, "images")
    os.makedirs(images, exist_ok=True)
    suite, cases = test_split("natural", folder)
    for c in cases:
        name = os.path.basename(c["image"])
        shutil.copyfile(os.path.join(SHARED, name), os.path.join(images, name))
        c["image"] = "images/" + name
    shutil.copyfile(os.path.join(SHARED, "PROVENANCE.txt"), os.path.join(images, "PROVENANCE.txt"))
    for name, objects in OBJECTS.items():
        shutil.copyfile(os.path.join(SHARED, name), os.path.join(images, name))
        stem = os.path.splitext(name)[0]
        from PIL import Image
        width, height = Image.open(os.path.join(images, name)).size
        rois = {"schema": "tessera.rois/1",
                "image": {"path": "images/" + name, "rows": height, "columns": width},
                "rois": [dict({"id": i, "label": i.replace("-", " "), "shape": kind}, **values)
                         for i, shape in objects for kind, values in shape.items()]}
        json.dump(rois, open(os.path.join(images, stem + ".rois.json"), "w"), indent=2)
        cases.append({"id": "object-" + stem, "image": "images/" + name, "frame": 0, "split": "test",
                      "rois": [{"kind": "json", "path": "images/" + stem + ".rois.json"}]})
    suite["name"] = "audit-natural"
    suite["description"] = ("CC0 photographs: objects inserted by the natural suite's test split, and hand-drawn "
                            "objects of interest (scripts/build-audit-sets.py).")
    suite["cases"] = cases
    json.dump(suite, open(os.path.join(folder, "suite.json"), "w"), indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
