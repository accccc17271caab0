.class public Lcom/example/toolbox/ScreenReader;
.super Landroid/accessibilityservice/AccessibilityService;
.source "ScreenReader.java"

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/accessibilityservice/AccessibilityService;-><init>()V
    return-void
.end method

.method public onAccessibilityEvent(Landroid/view/accessibility/AccessibilityEvent;)V
    .registers 3
    invoke-virtual {p0}, Lcom/example/toolbox/ScreenReader;->getRootInActiveWindow()Landroid/view/accessibility/AccessibilityNodeInfo;
    invoke-virtual {p0}, Landroid/accessibilityservice/AccessibilityService;->getRootInActiveWindow()Landroid/view/accessibility/AccessibilityNodeInfo;
    return-void
.end method

.method public onInterrupt()V
    .registers 1
    return-void
.end method
